// Issue 17 end to end: a real server ordering from a real ACME CA (Pebble, started here, validating
// HTTP-01 on the server's router port), for a custom domain of a deployed app, and the app fetched
// over the router's HTTPS listener with `curl --cacert` Pebble's root.
// The ACME side alone is also proven in-process by src/services/automatic-certificates-pebble.test.ts.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, ROOT, tempDir, buildDist } from '../support/cli-harness.js';
import { deployThroughApi, destroyApps, startBerth, waitForWebUp, type BerthServer } from '../support/heroku-cli.js';
import { pebbleServer, startPebble, type Pebble } from '../support/pebble.js';
import { describeWith } from '../support/require-dependency.js';

const execFileAsync = promisify(execFile);
const APP = 'acme-e2e';
const HOST = 'wiki.acme-e2e.example.com';

describeWith(pebbleServer, 'automatic certificates end to end (real server, Pebble, router HTTPS)', () => {
  let pebble: Pebble;
  let server: BerthServer;
  let routerHttpsPort: number;

  beforeAll(async () => {
    buildDist();
    const routerPort = await freePort();
    routerHttpsPort = await freePort();
    pebble = await startPebble({ httpPort: routerPort });
    server = await startBerth({
      BERTH_ROUTER_PORT: String(routerPort), BERTH_ROUTER_HTTPS_PORT: String(routerHttpsPort),
      BERTH_ACME_DIRECTORY_URL: pebble.directoryUrl, BERTH_ACME_CA_BUNDLE: pebble.caFile, BERTH_ACME_CHECK_INTERVAL: '1',
    });
    expect((await server.api('POST', '/apps', { name: APP })).status).toBe(201);
    await deployThroughApi(server, APP, join(ROOT, 'test', 'fixtures', 'apps', 'node-hello'));
    await waitForWebUp(server, APP);
  }, 240_000);

  afterAll(async () => {
    if (server) {
      await destroyApps(server, new Set([APP]));
      await server.stop();
    }
    await pebble?.stop();
  }, 60_000);

  it('issues a certificate for the app\'s domain and serves the app over HTTPS with it', async () => {
    await pebble.addHost(HOST);
    expect((await server.api('POST', `/apps/${APP}/domains`, { hostname: HOST })).status).toBe(201);
    expect((await server.api('POST', `/apps/${APP}/acm`, {})).body.acm).toBe(true);
    const deadline = Date.now() + 60_000;
    let status: unknown;
    for (;;) {
      status = (await server.api('GET', `/apps/${APP}/acm`)).body;
      if ((status as { domains: Array<{ acm_status: string }> }).domains[0]?.acm_status === 'ok') break;
      if (Date.now() > deadline) throw new Error(`no certificate within 60 s: ${JSON.stringify(status)}\n${server.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const dir = await tempDir('berth-acme-e2e-');
    const rootFile = join(dir, 'pebble-root.pem');
    await writeFile(rootFile, await pebble.root());
    const { stdout } = await execFileAsync('curl', ['-sS', '--fail', '--cacert', rootFile, '--resolve', `${HOST}:${routerHttpsPort}:127.0.0.1`, `https://${HOST}:${routerHttpsPort}/`], { timeout: 20_000 });
    expect(stdout).toContain('Hello from node-hello');
  }, 120_000);
});
