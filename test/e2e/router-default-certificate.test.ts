// The operator's certificate for the base domain (README "Your own domain and HTTPS", its `npm start` with
// BERTH_ROUTER_TLS_CERT/KEY): a real server started so, with a wildcard for *.apps.test from a CA made
// here, serves it for an app's default hostname, which curl trusts with that CA alone; a key that
// is not the certificate's stops the start with a message naming both files.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, tempDir } from '../support/cli-harness.js';
import { buildDist, fixture, Platform } from '../support/platform-harness.js';
import { makeTestCa } from '../support/test-certificates.js';

let platform: Platform | undefined;
let certs: string;

beforeAll(async () => {
  buildDist();
  certs = await tempDir('berth-e2e-router-cert-');
  const ca = makeTestCa(join(certs, 'ca'));
  const wildcard = ca.leaf(['*.apps.test']);
  const other = ca.leaf(['other.example.com']);
  writeFileSync(join(certs, 'wildcard.crt'), wildcard.chain);
  writeFileSync(join(certs, 'wildcard.key'), wildcard.key);
  writeFileSync(join(certs, 'other.key'), other.key);
  writeFileSync(join(certs, 'ca.crt'), ca.root.cert);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
  if (certs) await rm(certs, { recursive: true, force: true });
}, 60_000);

it("serves the operator's wildcard for an app's default hostname, trusted with the operator's CA", async () => {
  platform = await Platform.start({
    BERTH_BASE_DOMAIN: 'apps.test', BERTH_ROUTER_TLS_CERT: join(certs, 'wildcard.crt'), BERTH_ROUTER_TLS_KEY: join(certs, 'wildcard.key'),
  });
  await platform.createApp('demo');
  await platform.deployOk('demo', fixture('node-hello'), 'v1');
  const port = platform.routerHttpsPort;
  const r = spawnSync('curl', ['-sS', '--max-time', '10', '--cacert', join(certs, 'ca.crt'), '--resolve', `demo.apps.test:${port}:127.0.0.1`, `https://demo.apps.test:${port}/`], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/hello/i);
}, 180_000);

it("refuses to start when the key is not the certificate's, naming both files", async () => {
  const started = startServer({ BERTH_ROUTER_TLS_CERT: join(certs, 'wildcard.crt'), BERTH_ROUTER_TLS_KEY: join(certs, 'other.key') });
  await expect(started).rejects.toThrow(new RegExp(`BERTH_ROUTER_TLS_CERT ${join(certs, 'wildcard.crt')} and BERTH_ROUTER_TLS_KEY ${join(certs, 'other.key')} cannot be served`));
}, 60_000);
