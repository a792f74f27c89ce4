// Automatic certificates against a real ACME server (Pebble, started here): the real router answers
// the HTTP-01 challenge from the API's internal endpoint, the certificate chains to Pebble's root,
// a short-lived one is renewed by itself, and a restart does not order again while it is valid.
// The certificate store is the in-memory one until the domains/TLS part's is joined (see the
// end-to-end test test/e2e/acme-https.test.ts for the app fetched over HTTPS).
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pebbleServer, startPebble, type Pebble } from '../../test/support/pebble.js';
import { describeWith } from '../../test/support/require-dependency.js';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import { acmRoutes } from '../api/routes/acm-routes.js';
import { acmeChallengeRoutes } from '../api/routes/acme-challenge-routes.js';
import { AcmeCa } from '../platform/acme-ca.js';
import { systemClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { SecretBox } from '../platform/secret-box.js';
import { internalAcmeChallengeLookup } from '../router/acme-challenge-answer.js';
import { RouteTable } from '../router/route-table.js';
import { Router } from '../router/router.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { AcmeChallenges } from './acme-challenges.js';
import { AutomaticCertificates } from './automatic-certificates.js';
import { MemoryCertificates, MemoryDomains } from './testing/memory-certificates.js';

const TOKEN = 'acme-pebble-internal-token';
const HOST = 'www.acme-web.example.com';
/** Short enough to see a renewal (due with a third left: after 20 s), long enough for the restart check. */
const VALIDITY_SECONDS = 30;

describeWith(pebbleServer, 'automatic certificates from a real ACME server (Pebble)', () => {
  const controller = new AbortController();
  const challenges = new AcmeChallenges();
  const domains = new MemoryDomains();
  const certificates = new MemoryCertificates(domains);
  const lines: string[] = [];
  let api: TestApi;
  let pebble: Pebble;
  let automatic: AutomaticCertificates;
  let token: string;
  let appId: string;
  const newAutomatic = (store: SqliteStore | TestApi['deps']['store']) => new AutomaticCertificates({
    acme: store.acme, challenges, certificates, domains, secrets: SecretBox.forHome(api.home), clock: systemClock, logger: silentLogger,
    ca: new AcmeCa({ directoryUrl: pebble.directoryUrl, caBundle: readFileSync(pebble.caFile, 'utf8') }),
    appLog: { write: (_app, source, dyno, message) => lines.push(`${source}[${dyno}] ${message}`) }, checkEveryMs: 1000,
  });

  beforeAll(async () => {
    api = await startTestApi([
      acmRoutes({ automatic: { wake: () => automatic.wake() }, domains }),
      acmeChallengeRoutes({ token: TOKEN, challenges }),
    ]);
    const router = new Router({
      routes: new RouteTable({ baseDomain: 'localhost' }), logSink: { write: () => undefined }, logger: silentLogger,
      acmeChallenges: internalAcmeChallengeLookup(api.url, TOKEN),
    });
    const { port } = await router.start(controller.signal, { port: 0, host: '127.0.0.1' });
    pebble = await startPebble({ httpPort: port, validitySeconds: VALIDITY_SECONDS });
    await pebble.addHost(HOST);
    token = await api.login(ADMIN.email, ADMIN.password);
    appId = (await api.call('POST', '/apps', { token, body: { name: 'acme-web' } })).body.id;
    domains.set(appId, [HOST]);
    automatic = newAutomatic(api.deps.store);
  }, 60_000);

  afterAll(async () => {
    controller.abort();
    await pebble?.stop();
    await api?.close();
  });

  const statusOf = async () => (await api.call('GET', '/apps/acme-web/acm', { token })).body as { acm: boolean; domains: Array<{ hostname: string; acm_status: string; acm_status_reason: string | null }> };
  const until = async <T>(what: string, get: () => Promise<T | undefined>, boundMs: number): Promise<T> => {
    const deadline = Date.now() + boundMs;
    for (;;) {
      const v = await get();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${boundMs} ms; app log:\n${lines.join('\n')}\nPebble:\n${pebble.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('certs:auto:enable orders a certificate for the app\'s domain; it chains to the CA\'s root and covers the domain', async () => {
    expect((await statusOf()).acm).toBe(false);
    expect((await api.call('POST', '/apps/acme-web/acm', { token, body: {} })).body).toMatchObject({ acm: true, domains: [{ hostname: HOST, acm_status: 'pending' }] });
    void automatic.start(controller.signal).catch((e: Error) => lines.push(`loop stopped: ${e.message}`));
    await until('issuance', async () => ((await statusOf()).domains[0]?.acm_status === 'ok' ? true : undefined), 60_000);
    const [stored] = certificates.stored.filter((c) => c.appId === appId && c.origin === 'acme');
    const pems = stored!.certificateChain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)!;
    const [leaf, intermediate] = pems.map((p) => new X509Certificate(p));
    const root = new X509Certificate(await pebble.root());
    expect(leaf!.checkHost(HOST)).toBe(HOST);
    expect(leaf!.verify(intermediate!.publicKey) && intermediate!.verify(root.publicKey)).toBe(true);
    expect(lines.some((l) => l.startsWith(`berth[acme] Issued an automatic certificate for ${HOST}`))).toBe(true);
    // The account key is kept sealed, never in clear.
    const account = await api.deps.store.acme.account(pebble.directoryUrl);
    expect(account?.accountUrl).toMatch(/^https:\/\/127\.0\.0\.1:/);
    expect(account?.sealedKey).not.toContain('PRIVATE KEY');
  }, 90_000);

  it('renews the short-lived certificate by itself when a third of its lifetime is left', async () => {
    const first = (await api.deps.store.acme.app(appId)).certificate!;
    const renewed = await until('renewal', async () => {
      const now = (await api.deps.store.acme.app(appId)).certificate!;
      return now.certificateId !== first.certificateId ? now : undefined;
    }, (VALIDITY_SECONDS + 30) * 1000);
    expect(Date.parse(renewed.notAfter)).toBeGreaterThan(Date.parse(first.notAfter));
    // Not before it was due.
    expect(Date.parse(renewed.notBefore)).toBeGreaterThanOrEqual(Date.parse(first.notAfter) - (Date.parse(first.notAfter) - Date.parse(first.notBefore)) / 3 - 1000);
    expect(certificates.stored.filter((c) => c.appId === appId && c.origin === 'acme').map((c) => c.id)).toEqual([renewed.certificateId]);
  }, 120_000);

  it('after a restart (a new process reading the same store) does not order again while the certificate is valid', async () => {
    controller.abort(); // the old process's loop stops
    const before = (await api.deps.store.acme.app(appId)).certificate!;
    const reopened = new SqliteStore(join(api.home, 'db', 'berth.sqlite'));
    try {
      const again = newAutomatic(reopened);
      await again.pass();
      expect((await reopened.acme.app(appId)).certificate).toEqual(before);
      expect(certificates.stored.filter((c) => c.appId === appId).map((c) => c.id)).toEqual([before.certificateId]);
    } finally {
      await reopened.close();
    }
  });
});
