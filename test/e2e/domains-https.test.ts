// README "Your own domain and HTTPS" as a user runs it: the real CLI and a real server (API and
// router processes) on the local runtime, a deployed app, a certificate from a CA made here, and
// curl over the router's HTTPS listener by the custom domain.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, tempDir, type CliResult } from '../support/cli-harness.js';
import { buildDist, fixture, Platform } from '../support/platform-harness.js';
import { makeTestCa } from '../support/test-certificates.js';

const APP = 'demo';
const DOMAIN = 'www.example.com';
let platform: Platform;
let home: string;
let certs: string;

const cli = (args: string[]): Promise<CliResult> => berth(args, { home, apiUrl: platform.apiUrl, cwd: certs, env: { BERTH_API_KEY: platform.token } });
const ok = (r: CliResult): CliResult => {
  expect(r, `berth exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toMatchObject({ code: 0 });
  return r;
};
/** curl as the README runs it, with this server's ports; retried briefly while the router hears of the change. */
async function curl(args: string[], until: (out: string) => boolean): Promise<string> {
  let out = '';
  for (let i = 0; i < 50; i++) {
    const r = spawnSync('curl', ['-sS', '--max-time', '10', ...args], { cwd: certs, encoding: 'utf8' });
    out = r.stdout + r.stderr;
    if (until(out)) return out;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return out;
}

beforeAll(async () => {
  buildDist();
  // Generous: this suite is about the edge, not boot timeouts, and CI machines are shared.
  platform = await Platform.start({ BERTH_BOOT_TIMEOUT: '60' });
  home = await tempDir('berth-e2e-domains-user-');
  certs = await tempDir('berth-e2e-domains-certs-');
  const ca = makeTestCa(join(certs, 'ca'));
  const leaf = ca.leaf([DOMAIN]);
  writeFileSync(join(certs, 'server.crt'), leaf.chain);
  writeFileSync(join(certs, 'server.key'), leaf.key);
  writeFileSync(join(certs, 'ca.crt'), ca.root.cert);
  ok(await cli(['apps:create', APP]));
  ok(await cli(['deploy', fixture('node-hello'), '-a', APP]));
}, 180_000);

afterAll(async () => {
  await platform?.stop();
  for (const dir of [home, certs]) if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('README: Your own domain and HTTPS', () => {
  it('domains:add, certs:add, then the app answers over HTTPS by its domain with its certificate', async () => {
    const added = ok(await cli(['domains:add', DOMAIN, '-a', APP]));
    expect(added.stdout).toContain(`DNS Target ${APP}.localhost`);
    const cert = ok(await cli(['certs:add', 'server.crt', 'server.key', '-a', APP]));
    expect(cert.stdout).toMatch(/Common Name\(s\):\s+www\.example\.com/);
    const port = platform.routerHttpsPort;
    const page = await curl(['--resolve', `${DOMAIN}:${port}:127.0.0.1`, '--cacert', 'ca.crt', `https://${DOMAIN}:${port}/`], (o) => o.includes('Hello from node-hello'));
    expect(page).toContain('Hello from node-hello');
    // An HTTP/2 client gets HTTP/2 (ALPN), the same page.
    const h2 = await curl(['--http2', '-o', '/dev/null', '-w', '%{http_version}', '--resolve', `${DOMAIN}:${port}:127.0.0.1`, '--cacert', 'ca.crt', `https://${DOMAIN}:${port}/`], (o) => o === '2');
    expect(h2).toBe('2');
    ok(await cli(['domains', '-a', APP]));
    expect(ok(await cli(['certs', '-a', APP])).stdout).toContain(DOMAIN);
  }, 60_000);

  it('features:enable http-redirect sends plain HTTP to HTTPS', async () => {
    ok(await cli(['features:enable', 'http-redirect', '-a', APP]));
    const port = platform.routerPort;
    const head = await curl(['-I', '--resolve', `${DOMAIN}:${port}:127.0.0.1`, `http://${DOMAIN}:${port}/`], (o) => o.includes('301'));
    expect(head).toMatch(/^HTTP\/1\.1 301/m);
    expect(head.toLowerCase()).toContain(`location: https://${DOMAIN}:${platform.routerHttpsPort}/`);
  }, 30_000);

  it('keeps the key sealed in the router\'s snapshot file, and a name no app has gets the default certificate', async () => {
    const snapshot = readFileSync(join(platform.home, 'run', 'routes.json'), 'utf8');
    expect(snapshot).toContain(DOMAIN);
    expect(snapshot).not.toContain('PRIVATE KEY');
    const port = platform.routerHttpsPort;
    const unknown = spawnSync('curl', ['-sS', '-k', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', `nobody.example.com:${port}:127.0.0.1`, `https://nobody.example.com:${port}/`], { encoding: 'utf8' });
    expect(unknown.stdout).toBe('404');
    const strict = spawnSync('curl', ['-sS', '--cacert', join(certs, 'ca.crt'), '--resolve', `nobody.example.com:${port}:127.0.0.1`, `https://nobody.example.com:${port}/`], { encoding: 'utf8' });
    expect(strict.status).not.toBe(0);
  }, 30_000);
});
