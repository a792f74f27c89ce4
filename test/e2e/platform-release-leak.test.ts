// Instances cannot be multiplied by releasing faster than web boots: a tenant whose web never binds
// $PORT deploys four times in a row, and the runtime never holds more than quantity + 1 web
// instances of the app (counted through the API and in the local runtime's own instance records).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, isAlive, Platform, sleep, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started), { BERTH_BOOT_TIMEOUT: '6' });

/** Web instances of the app whose process is alive, from the local runtime's instance records. */
async function aliveInRuntime(app: string): Promise<number> {
  let n = 0;
  for (const id of await p.instanceIds()) {
    const record = JSON.parse(await readFile(join(p.home, 'runtime', 'instances', id, 'instance.json'), 'utf8').catch(() => '{}'));
    if (record.spec?.appName === app && record.spec?.processType === 'web' && record.pid > 0 && isAlive(record.pid)) n++;
  }
  return n;
}

/** Web dynos the API shows holding a process: starting, up, or being stopped (`down`). */
async function aliveInApi(app: string): Promise<number> {
  return (await p.dynos(app)).filter((d) => d.type === 'web' && d.state !== 'crashed').length;
}

/** The newest release's version, and whether the API shows a web.1 of it still starting. */
async function newestStarting(app: string): Promise<number | false> {
  const web = (await p.dynos(app)).filter((d) => d.type === 'web');
  const newest = Math.max(0, ...web.map((d) => d.release.version));
  return newest > 0 && web.some((d) => d.release.version === newest && d.state === 'starting') && newest;
}

describe('quota: releases while web is still starting', () => {
  it('four deploys of an app whose web never binds $PORT, with config releases landing mid-boot, never hold more than web=1 plus one instance', async () => {
    const app = 'leak-no-port';
    await p.createApp(app);
    const peak = { api: 0, runtime: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak.api = Math.max(peak.api, await aliveInApi(app).catch(() => 0));
        peak.runtime = Math.max(peak.runtime, await aliveInRuntime(app));
        await sleep(100);
      }
    })();
    try {
      // Four deploys queued back to back. A deploy waits for its rollout's verdict before the next
      // one builds, so config changes (releases too) are what land while web.1 is still booting.
      const deploys = Promise.all([1, 2, 3, 4].map((n) => p.deploy(app, fixture('no-port'), `v${n}`)));
      let seen = 0;
      for (let n = 1; n <= 4; n++) {
        seen = await waitFor(async () => {
          const v = await newestStarting(app);
          return v !== false && v > seen && v;
        }, 30_000, `a web.1 newer than v${seen} starting`, 50);
        await p.ok('PATCH', `/apps/${app}/config-vars`, { ROUND: String(n) });
      }
      for (const d of await deploys) expect(d.build.status, d.output).toBe('succeeded');
      // Whatever is left of the earlier releases is stopped; only the current release runs web.1.
      const releases = await p.ok('GET', `/apps/${app}/releases`);
      const current = Math.max(...releases.map((r: { version: number }) => r.version));
      await waitFor(async () => {
        const web = (await p.dynos(app)).filter((d) => d.type === 'web' && d.state !== 'crashed');
        return web.length <= 1 && web.every((d) => d.release.version === current) && (await aliveInRuntime(app)) <= 1;
      }, 20_000, `at most one web dyno, of v${current}`);
    } finally {
      sampling = false;
      await sampler;
    }
    expect(peak.api).toBeLessThanOrEqual(2);
    expect(peak.runtime).toBeLessThanOrEqual(2);
    expect(peak.runtime).toBeGreaterThanOrEqual(1); // the sampler did see the app running
  }, 180_000);
});
