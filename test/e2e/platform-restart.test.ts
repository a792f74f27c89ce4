// Scaling out and restarting Berth itself: instances are balanced across, and a new server
// process adopts the running instances instead of restarting or duplicating them.
import { describe, expect, it } from 'vitest';
import { fixture, isAlive, Platform, sleep, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started));

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('scaling and server restarts', () => {
  it('three web instances all answer, in turn', async () => {
    const app = 'rs-scale';
    await p.createApp(app);
    await p.deployOk(app, fixture('node-hello'), 'v1');
    await p.scale(app, 'web', 3);
    const dynos = await p.waitForUp(app, 3);
    expect(dynos.map((d) => d.name)).toEqual(['web.1', 'web.2', 'web.3']);
    expect(new Set(dynos.map((d) => d.id)).size).toBe(3);
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await p.get(app, '/env/DYNO');
      expect(res.status).toBe(200);
      seen.push(res.text);
    }
    expect([...new Set(seen)].sort()).toEqual(['web.1', 'web.2', 'web.3']);
  }, 60_000);

  it('a server restart adopts running instances: same ids, same processes, no new starts', async () => {
    const app = 'rs-adopt';
    await p.createApp(app);
    await p.deployOk(app, fixture('node-hello'), 'v1');
    await p.scale(app, 'web', 2);
    const before = await p.waitForUp(app, 2);
    const pids = await Promise.all(before.map((d) => p.instancePid(d.id)));
    const startsBefore = count(await p.logs(app), 'Starting process');
    expect(startsBefore).toBe(2);

    await p.stopServer();
    expect(pids.every(isAlive)).toBe(true);
    // The instances outlive the server process (the router goes down with it).
    await p.startServer();

    const after = await p.waitForUp(app, 2);
    expect(after.map((d) => [d.name, d.id])).toEqual(before.map((d) => [d.name, d.id]));
    expect(await Promise.all(after.map((d) => p.instancePid(d.id)))).toEqual(pids);
    expect(pids.every(isAlive)).toBe(true);
    const res = await p.get(app, '/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Hello from node-hello');
    // Give the health manager a few reconcile rounds to (wrongly) start anything.
    await sleep(2000);
    expect((await p.dynos(app)).map((d) => d.id)).toEqual(before.map((d) => d.id));
    expect(count(await p.logs(app), 'Starting process')).toBe(startsBefore);
    expect((await p.instanceIds()).length).toBe(5); // rs-scale's three and rs-adopt's two
  }, 60_000);

  it('after a server restart an adopted worker\'s output keeps reaching the log, without repeats', async () => {
    const app = 'rs-worker';
    await p.createApp(app);
    await p.deployOk(app, fixture('procfile-worker'), 'v1');
    await p.scale(app, 'worker', 1);
    const ticks = (log: string) => [...log.matchAll(/app\[worker\.1\]: worker tick (\d+)/g)].map((m) => Number(m[1]));
    await waitFor(async () => ticks(await p.logs(app)).length >= 2, 10_000, 'two worker ticks');

    await p.stopServer();
    await p.startServer();
    const last = Math.max(...ticks(await p.logs(app)));
    const seen = await waitFor(async () => {
      const t = ticks(await p.logs(app));
      return Math.max(...t) >= last + 2 && t;
    }, 10_000, 'new worker ticks after the restart');
    expect(new Set(seen).size).toBe(seen.length);
    expect(count(await p.logs(app), 'Starting process')).toBe(2);
  }, 60_000);
});
