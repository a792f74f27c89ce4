// Automatic certificates on the injected clock: when they are ordered, renewed, retried and given
// up on, what certs:auto then shows, and what survives a restart. The CA is a fake one issuing real
// certificates (the Pebble suite runs the real protocol).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { SecretBox } from '../platform/secret-box.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { AcmeChallenges } from './acme-challenges.js';
import { AutomaticCertificates, MAX_FAILURES } from './automatic-certificates.js';
import { FakeAcmeCa } from './testing/fake-acme-ca.js';
import { MemoryCertificates, MemoryDomains } from './testing/memory-certificates.js';

const DAY = 86_400_000;
let home: string;
let store: SqliteStore;
let clock: FakeClock;
let ca: FakeAcmeCa;
let domains: MemoryDomains;
let certificates: MemoryCertificates;
let lines: string[];
let appId: string;

const automatic = () => new AutomaticCertificates({
  acme: store.acme, ca, challenges: new AcmeChallenges(), certificates, domains, secrets: SecretBox.forHome(home), clock, logger: silentLogger,
  appLog: { write: (_app, source, dyno, message) => lines.push(`${source}[${dyno}] ${message}`) },
});
const statuses = async () => Object.fromEntries((await store.acme.hostnames(appId)).map((s) => [s.hostname, [s.status, s.reason]]));

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'berth-acme-'));
  store = new SqliteStore(join(home, 'berth.sqlite'));
  clock = new FakeClock(Date.now()); // the certificates are real, dated from the real now
  ca = new FakeAcmeCa();
  domains = new MemoryDomains();
  certificates = new MemoryCertificates(domains, () => clock.now());
  lines = [];
  const owner = await store.users.create({ email: 'o@example.com', passwordHash: 'h', isAdmin: false });
  appId = (await store.apps.create({ name: 'web', ownerId: owner.id, stack: 's' })).id;
  domains.set(appId, ['www.example.com', 'example.com', '*.wild.example.com']);
});

afterEach(async () => {
  await store.close();
  rmSync(home, { recursive: true, force: true });
});

it('orders nothing for an app that has not enabled them, and one certificate for all its domains (wildcards aside) once it has', async () => {
  const a = automatic();
  await a.pass();
  expect(ca.orders).toEqual([]);
  await store.acme.setEnabled(appId, true, new Date(clock.now()).toISOString());
  await a.pass();
  expect(ca.orders).toEqual([['example.com', 'www.example.com']]);
  expect(await statuses()).toEqual({ 'example.com': ['ok', null], 'www.example.com': ['ok', null] });
  expect(certificates.stored.map((c) => [c.origin, c.hostnames])).toEqual([['acme', ['www.example.com', 'example.com']]]);
  await a.pass();
  expect(ca.orders).toHaveLength(1); // valid and not due: nothing more
  expect(lines).toEqual([expect.stringMatching(/^berth\[acme\] Issued an automatic certificate for example.com, www.example.com, valid until /)]);
});

it('renews once a third of the lifetime is left, not before', async () => {
  await store.acme.setEnabled(appId, true, new Date(clock.now()).toISOString());
  const a = automatic();
  await a.pass();
  ca.validityDays = 365; // the renewed one is not due again at once
  await clock.advance(59 * DAY);
  await a.pass();
  expect(ca.orders).toHaveLength(1);
  await clock.advance(1 * DAY + 60_000);
  await a.pass();
  expect(ca.orders).toHaveLength(2);
  const { certificate } = await store.acme.app(appId);
  expect(certificates.stored.filter((c) => c.origin === 'acme').map((c) => c.id)).toEqual([certificate!.certificateId]);
});

it('a domain that fails validation backs off with its reason in certs:auto and the app log, while the app\'s other domain gets its certificate; failed after six tries until a refresh', async () => {
  ca.refuse.set('www.example.com', 'DNS problem: NXDOMAIN looking up A for www.example.com');
  await store.acme.setEnabled(appId, true, new Date(clock.now()).toISOString());
  const a = automatic();
  await a.pass();
  // Once with both, once more without the failing one.
  expect(ca.orders).toEqual([['example.com', 'www.example.com'], ['example.com']]);
  expect(await statuses()).toEqual({ 'example.com': ['ok', null], 'www.example.com': ['failing', 'DNS problem: NXDOMAIN looking up A for www.example.com'] });
  expect(lines).toContainEqual(expect.stringMatching(/^berth\[acme\] Automatic certificate for www.example.com failed: DNS problem: NXDOMAIN .* \(trying again at /));
  // Backoff: 5 minutes, then 10, 20, 40, 80 (and the healthy domain's certificate is not ordered again meanwhile).
  await clock.advance(4 * 60_000);
  await a.pass();
  expect(ca.orders).toHaveLength(2);
  let wait = 5;
  for (let tries = 2; tries <= MAX_FAILURES; tries++) {
    await clock.advance(wait * 60_000);
    await a.pass();
    expect(ca.orders.at(-1)).toEqual(['example.com', 'www.example.com']);
    wait *= 2;
  }
  expect(await statuses()).toMatchObject({ 'www.example.com': ['failed', expect.stringContaining('NXDOMAIN')] });
  const orders = ca.orders.length;
  await clock.advance(7 * DAY);
  await a.pass();
  expect(ca.orders).toHaveLength(orders); // given up: no more tries on its own
  // The DNS is fixed and the user asks again (certs:auto:refresh forgets the failures).
  ca.refuse.clear();
  await store.acme.removeHostnames(appId);
  await a.pass();
  expect(ca.orders.at(-1)).toEqual(['example.com', 'www.example.com']);
  expect(await statuses()).toEqual({ 'example.com': ['ok', null], 'www.example.com': ['ok', null] });
});

it('a certificate the certificate store refuses is a failure with the store\'s reason', async () => {
  domains.set(appId, ['www.example.com']);
  ca.validityDays = 1;
  await store.acme.setEnabled(appId, true, new Date(clock.now()).toISOString());
  await clock.advance(2 * DAY); // what the CA issues (valid from the real now) has expired by the clock
  await automatic().pass();
  expect(await statuses()).toEqual({ 'www.example.com': ['failing', 'the certificate was refused: the certificate has expired'] });
});

it('a restart keeps the account (registered once, key sealed) and the certificate: nothing is ordered again while it is valid', async () => {
  await store.acme.setEnabled(appId, true, new Date(clock.now()).toISOString());
  await automatic().pass();
  await store.close();
  store = new SqliteStore(join(home, 'berth.sqlite'));
  await clock.advance(30 * DAY);
  await automatic().pass();
  expect(ca.orders).toHaveLength(1);
  expect(ca.registrations).toBe(1);
  const account = await store.acme.account(ca.directoryUrl);
  expect(account?.sealedKey).not.toContain('fake-account-key');
  expect(SecretBox.forHome(home).open(account!.sealedKey)).toBe('fake-account-key');
  // A domain added later is covered by a new order (both names).
  domains.set(appId, ['www.example.com', 'example.com', 'api.example.com']);
  await automatic().pass();
  expect(ca.orders.at(-1)).toEqual(['api.example.com', 'example.com', 'www.example.com']);
});

it('runs a pass at start, every check interval, and at once when woken (certs:auto:enable, refresh)', async () => {
  const controller = new AbortController();
  const a = new AutomaticCertificates({
    acme: store.acme, ca, challenges: new AcmeChallenges(), certificates, domains, secrets: SecretBox.forHome(home), clock, logger: silentLogger, checkEveryMs: 60_000,
  });
  const loop = a.start(controller.signal);
  const until = async (what: string, done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    if (!done()) throw new Error(`${what} did not happen`);
  };
  try {
    await until('the first pass to reach its sleep', () => clock.pendingSleeps() === 1);
    await store.acme.setEnabled(appId, true, new Date(clock.now()).toISOString());
    a.wake();
    await until('an order after the wake', () => ca.orders.length === 1);
    domains.set(appId, ['www.example.com', 'example.com', 'new.example.com']);
    await until('the loop to sleep again', () => clock.pendingSleeps() === 1);
    expect(ca.orders).toHaveLength(1); // the new domain waits for the next check…
    await clock.advance(60_000);
    await until('the next check to order it', () => ca.orders.length === 2);
    expect(ca.orders[1]).toEqual(['example.com', 'new.example.com', 'www.example.com']);
  } finally {
    controller.abort();
    await loop;
  }
});
