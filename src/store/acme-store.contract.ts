// Store contract cases for automatic certificates (ACME account, per-app state, hostname statuses); run by storeContract().
import { expect, it } from 'vitest';
import type { Store } from './store.js';

export function acmeStoreCases(getStore: () => Store): void {
  const app = async (name: string) => {
    const store = getStore();
    const owner = await store.users.create({ email: `${name}@example.com`, passwordHash: 'h', isAdmin: false });
    return store.apps.create({ name, ownerId: owner.id, stack: 's' });
  };

  it('keeps one ACME account per directory, its key only as sealed', async () => {
    const store = getStore();
    expect(await store.acme.account('https://ca.example/dir')).toBeUndefined();
    await store.acme.saveAccount({ directoryUrl: 'https://ca.example/dir', sealedKey: 'v1.a.b.c', accountUrl: '' });
    await store.acme.saveAccount({ directoryUrl: 'https://ca.example/dir', sealedKey: 'v1.a.b.c', accountUrl: 'https://ca.example/acct/1' });
    expect(await store.acme.account('https://ca.example/dir')).toEqual({ directoryUrl: 'https://ca.example/dir', sealedKey: 'v1.a.b.c', accountUrl: 'https://ca.example/acct/1' });
    expect(await store.acme.account('https://other.example/dir')).toBeUndefined();
  });

  it('remembers per app whether automatic certificates are on, the certificate issued and each hostname\'s status; all go with the app', async () => {
    const store = getStore();
    const a = await app('acme-a');
    expect(await store.acme.app(a.id)).toEqual({ appId: a.id, enabled: false, certificate: null });
    await store.acme.setEnabled(a.id, true, '2026-01-01T00:00:00.000Z');
    expect(await store.acme.enabledApps()).toEqual([a.id]);
    const certificate = { certificateId: 'c1', hostnames: ['www.example.com'], notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2026-04-01T00:00:00.000Z' };
    await store.acme.recordCertificate(a.id, certificate, '2026-01-01T00:00:00.000Z');
    expect(await store.acme.app(a.id)).toEqual({ appId: a.id, enabled: true, certificate });
    const state = { appId: a.id, hostname: 'www.example.com', status: 'failing' as const, reason: 'DNS', failures: 1, nextAttemptAt: '2026-01-01T00:05:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
    await store.acme.saveHostname(state);
    await store.acme.saveHostname({ ...state, hostname: 'api.example.com', status: 'ok', reason: null, failures: 0, nextAttemptAt: null });
    await store.acme.saveHostname({ ...state, failures: 2 });
    expect((await store.acme.hostnames(a.id)).map((h) => [h.hostname, h.status, h.failures])).toEqual([['api.example.com', 'ok', 0], ['www.example.com', 'failing', 2]]);
    await store.acme.removeHostnames(a.id, ['api.example.com']);
    expect((await store.acme.hostnames(a.id)).map((h) => h.hostname)).toEqual(['www.example.com']);
    await store.acme.setEnabled(a.id, false, '2026-01-02T00:00:00.000Z');
    expect(await store.acme.enabledApps()).toEqual([]);
    expect((await store.acme.app(a.id)).certificate).toEqual(certificate);
    await store.apps.delete(a.id);
    expect(await store.acme.hostnames(a.id)).toEqual([]);
    expect(await store.acme.app(a.id)).toEqual({ appId: a.id, enabled: false, certificate: null });
  });
}
