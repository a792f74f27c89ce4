// berth certs:auto*, in-process against the real API (the ordering itself is tested in services/),
// and api:certificate against a TLS server presenting a certificate made here.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../../test/support/test-api.js';
import { acmRoutes } from '../../api/routes/acm-routes.js';
import { ensureSelfSignedCertificate } from '../../platform/self-signed-certificate.js';
import { MemoryDomains } from '../../services/testing/memory-certificates.js';
import { runBerth } from '../testing/in-process-cli.js';

let api: TestApi;
let token: string;
let dir: string;
const domains = new MemoryDomains();
const berth = (...argv: string[]) => runBerth(argv, { url: api.url, token });

beforeAll(async () => {
  api = await startTestApi([acmRoutes({ automatic: { wake: () => undefined }, domains })]);
  token = await api.login(ADMIN.email, ADMIN.password);
  const app = (await api.call('POST', '/apps', { token, body: { name: 'certs-app' } })).body;
  domains.set(app.id, ['www.example.com', 'api.example.com']);
  dir = await mkdtemp(join(tmpdir(), 'berth-certs-cli-'));
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

it('certs:auto shows disabled, then each domain\'s status and failure reason once enabled; disable wants --confirm', async () => {
  expect((await berth('certs:auto', '-a', 'certs-app')).stdout).toContain('Automatic Certificate Management is disabled on');
  const enabled = await berth('certs:auto:enable', '-a', 'certs-app');
  expect(enabled.code, enabled.stderr).toBe(0);
  expect(enabled.stderr + enabled.stdout).toContain('Enabling Automatic Certificate Management... starting');
  const app = (await api.call('GET', '/apps/certs-app', { token })).body;
  await api.deps.store.acme.saveHostname({ appId: app.id, hostname: 'www.example.com', status: 'failed', reason: 'DNS problem: NXDOMAIN', failures: 6, nextAttemptAt: null, updatedAt: '2026-01-01T00:00:00.000Z' });
  const shown = await berth('certs:auto', '-a', 'certs-app');
  expect(shown.stdout).toContain('=== Automatic Certificate Management is enabled on certs-app');
  expect(shown.stdout).toMatch(/www\.example\.com\s+Failed\s+DNS problem: NXDOMAIN\s+2026-01-01 00:00 UTC/);
  expect(shown.stdout).toMatch(/api\.example\.com\s+Pending/);
  expect(shown.stdout).toContain('berth certs:auto:refresh -a certs-app');
  expect((await berth('certs:auto:refresh', '-a', 'certs-app')).code).toBe(0);
  expect((await berth('certs:auto', '-a', 'certs-app')).stdout).toMatch(/www\.example\.com\s+Pending/);
  const refused = await berth('certs:auto:disable', '-a', 'certs-app');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('re-run with --confirm certs-app');
  expect((await berth('certs:auto:disable', '-a', 'certs-app', '--confirm', 'certs-app')).code).toBe(0);
  expect((await api.call('GET', '/apps/certs-app/acm', { token })).body.acm).toBe(false);
});

it('api:certificate prints the fingerprint of the certificate an HTTPS API presents and saves it to trust', async () => {
  const certFile = join(dir, 'api.crt');
  const keyFile = join(dir, 'api.key');
  expect((await ensureSelfSignedCertificate({ certFile, keyFile, commonName: 'localhost', hosts: ['localhost', '127.0.0.1'] })).ok).toBe(true);
  const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (_req, res) => res.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    const saved = join(dir, 'saved.pem');
    const r = await berth('api:certificate', url, '--save', saved);
    expect(r.code, r.stderr).toBe(0);
    const expected = new X509Certificate(readFileSync(certFile)).fingerprint256;
    expect(r.stdout).toMatch(new RegExp(`SHA-256 fingerprint:\\s+${expected}`));
    expect(new X509Certificate(readFileSync(saved)).fingerprint256).toBe(expected);
  } finally {
    server.close();
  }
});
