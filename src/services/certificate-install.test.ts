// The CertificateInstaller port (what ACME and certs:add store certificates through), on the real
// SQLite store, with certificates from a CA made here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, type TestCa } from '../../test/support/test-certificates.js';
import { systemClock } from '../platform/clock.js';
import { SecretBox } from '../platform/secret-box.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { storeDomainList } from './app-domains.js';
import { StoreCertificateInstaller } from './certificate-install.js';
import { PlatformEvents } from './platform-events.js';

let dir: string;
let ca: TestCa;
let store: SqliteStore;
const events = new PlatformEvents();
const announced: string[] = [];
events.on((e) => { if (e.type === 'edge-changed') announced.push(e.appId); });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-cert-install-'));
  ca = makeTestCa(join(dir, 'ca'));
  store = new SqliteStore(join(dir, 'berth.sqlite'));
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('StoreCertificateInstaller', () => {
  it('stores an ACME certificate for the app\'s domains, replacing its previous one, keeping manual ones; the key sealed', async () => {
    const owner = await store.users.create({ email: 'acme@example.com', passwordHash: 'h', isAdmin: false });
    const app = await store.apps.create({ name: 'wiki', ownerId: owner.id, stack: 'berth-24' });
    await store.domains.create({ appId: app.id, hostname: 'wiki.example.com', certificateId: null });
    await store.domains.create({ appId: app.id, hostname: '*.wiki.example.com', certificateId: null });
    expect(await storeDomainList(store).hostnamesOf(app.id)).toEqual(['wiki.example.com']);
    const box = SecretBox.forHome(dir);
    const installer = new StoreCertificateInstaller({ store, clock: systemClock, events, sealer: box });

    const manual = ca.leaf(['wiki.example.com']);
    await installer.install(app.id, { certificateChain: manual.chain, privateKey: manual.key }, 'manual');
    const first = ca.leaf(['wiki.example.com']);
    const a = await installer.install(app.id, { certificateChain: first.chain, privateKey: first.key }, 'acme');
    const second = ca.leaf(['wiki.example.com']);
    const b = await installer.install(app.id, { certificateChain: second.chain, privateKey: second.key }, 'acme');
    expect(b).toMatchObject({ id: a.id, hostnames: ['wiki.example.com'] });
    const listed = await installer.list(app.id);
    expect(listed.map((c) => c.origin).sort()).toEqual(['acme', 'manual']);
    expect(JSON.stringify(listed)).not.toContain('PRIVATE KEY');
    const stored = (await store.certificates.list(app.id)).find((c) => c.id === b.id)!;
    expect(stored.certificateChain).toContain(second.cert.trim());
    expect(stored.sealedPrivateKey).not.toContain('PRIVATE KEY');
    expect(box.open(stored.sealedPrivateKey)).toContain('PRIVATE KEY');
    expect(announced.filter((id) => id === app.id)).toHaveLength(3);
    expect((await store.events.list({ appId: app.id })).map((e) => e.action)).toContain('certificate-installed');
  });

  it('refuses an ACME certificate naming a host that is not the app\'s domain', async () => {
    const app = (await store.apps.byName('wiki'))!;
    const stray = ca.leaf(['wiki.example.com', 'other.example.com']);
    await expect(new StoreCertificateInstaller({ store, clock: systemClock, events, sealer: SecretBox.forHome(dir) })
      .install(app.id, { certificateChain: stray.chain, privateKey: stray.key }, 'acme')).rejects.toThrow(/other\.example\.com, not a domain of this app/);
  });
});
