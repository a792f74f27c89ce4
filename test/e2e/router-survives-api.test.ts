// The data plane outlives the control plane: `berth server` runs the router and the API as two
// supervised processes. Killing the API (kill -9) must not fail a single request through the
// router, the router follows changes again once the supervisor's new API is up, a killed router
// is restarted, and a router restarted while the API is down serves from its persisted snapshot.
import { describe, expect, it } from 'vitest';
import { fixture, isAlive, Platform, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started));

/** Sequential requests through the router until stop() (bounded), counting what failed and how. */
function requestLoop(app: string, maxRequests = 50_000) {
  let ok = 0;
  const failed: string[] = [];
  let running = true;
  const done = (async () => {
    for (let n = 0; running && n < maxRequests; n++) {
      try {
        const res = await p.get(app, '/', 5000);
        if (res.status === 200) ok++;
        else failed.push(`${res.status} ${res.text.slice(0, 80)}`);
      } catch (e) {
        failed.push((e as Error).message);
      }
    }
  })();
  return {
    get ok() { return ok; },
    async stop() {
      running = false;
      await done;
      return { ok, failed };
    },
  };
}

const dynosBehindRouter = async (app: string, tries = 12): Promise<string[]> => {
  const seen = new Set<string>();
  for (let i = 0; i < tries; i++) {
    const res = await p.get(app, '/env/DYNO');
    if (res.status === 200) seen.add(res.text);
  }
  return [...seen].sort();
};

describe('the router outlives the API', () => {
  it('kill -9 of the API fails no request; the new API\'s changes are followed', async () => {
    const app = 'rsa-web';
    await p.createApp(app);
    await p.deployOk(app, fixture('node-hello'), 'v1');
    await p.waitForUp(app, 1);
    const routerPid = await p.rolePid('router');

    const loop = requestLoop(app);
    await waitFor(() => loop.ok >= 20, 10_000, 'requests to flow');
    const killedAt = Date.now();
    const okAtKill = loop.ok;
    const { killed, replacement } = await p.killApi();
    const apiBackMs = Date.now() - killedAt;
    const servedWhileApiDead = loop.ok - okAtKill;
    expect(replacement).not.toBe(killed);
    expect(await p.rolePid('router')).toBe(routerPid); // the same router all along

    // A change made through the new API reaches the router: a second web dyno gets traffic.
    const scaledAt = Date.now();
    await p.scale(app, 'web', 2);
    await waitFor(async () => (await dynosBehindRouter(app)).includes('web.2'), 60_000, 'the router to send requests to web.2');
    const followMs = Date.now() - scaledAt;

    const { ok, failed } = await loop.stop();
    expect(failed).toEqual([]);
    expect(servedWhileApiDead).toBeGreaterThan(0);
    expect(await dynosBehindRouter(app)).toEqual(['web.1', 'web.2']);
    // The access-log lines the router wrote meanwhile reached the app's log stream.
    await waitFor(async () => (await p.logs(app, { source: 'router' })).includes('status=200'), 10_000, 'router lines in the app log');
    console.log(`[measure] API kill -9 → new API answering: ${apiBackMs} ms; requests served meanwhile: ${servedWhileApiDead}, failed: ${failed.length} (of ${ok} in all); scale → router following web.2: ${followMs} ms`);
  }, 120_000);

  it('kill -9 of the router: the supervisor starts a new one, which serves the app again', async () => {
    const app = 'rsa-web';
    const { killed, replacement } = await p.killRouter();
    expect(replacement).not.toBe(killed);
    const res = await waitFor(async () => { const r = await p.get(app, '/'); return r.status === 200 && r; }, 30_000, 'the new router to serve the app');
    expect(res.text).toContain('Hello from node-hello');
  }, 60_000);

  it('a router restarted while the API is down serves from its persisted routes, and a new supervisor adopts it', async () => {
    const app = 'rsa-web';
    const apiPid = (await p.rolePid('api'))!;
    await p.killServer(); // the supervisor: its API follows it, its router stays
    await waitFor(() => !isAlive(apiPid), 20_000, 'the API to exit once its supervisor is gone');
    expect((await p.get(app, '/')).status).toBe(200);

    const oldRouter = (await p.rolePid('router'))!;
    process.kill(oldRouter, 'SIGKILL');
    await waitFor(() => !isAlive(oldRouter), 10_000, 'the router to die');
    const alone = await p.startRouterOnly();
    expect(await fetch(`${p.apiUrl}/health`).then(() => 'up', () => 'down')).toBe('down');
    const res = await p.get(app, '/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Hello from node-hello');

    await p.startServer();
    expect(await p.rolePid('router')).toBe(alone.pid); // adopted, not a second router
    const afterStartAt = Date.now();
    await p.scale(app, 'web', 1);
    await waitFor(async () => (await dynosBehindRouter(app)).join() === 'web.1', 60_000, 'the adopted router to follow the scale-down');
    console.log(`[measure] supervisor restart, scale-down followed by the adopted router after ${Date.now() - afterStartAt} ms`);
  }, 120_000);
});
