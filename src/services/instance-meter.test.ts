import { afterEach, describe, expect, it } from 'vitest';
import { healthWorld, type HealthWorld } from '../health/testing/health-world.js';
import { silentLogger } from '../platform/logger.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { InstanceMeter } from './instance-meter.js';
import { noTeams } from './team-lookup.js';
import { usageReport } from './usage.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

describe('InstanceMeter', () => {
  let w: HealthWorld;
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    await w?.cleanup();
  });

  const meterOn = async (store: SqliteStore) => {
    const stop = new AbortController();
    await new InstanceMeter({ store, runtime: w.runtime, clock: w.clock, logger: silentLogger, sweepEveryMs: 60_000 }).start(stop.signal);
    return stop;
  };
  const secondsByType = async (store: SqliteStore) => {
    const owner = (await store.users.byId(w.app.ownerId))!;
    const report = await usageReport({ store, clock: w.clock, teams: noTeams }, owner, { month: '2024-01' });
    return Object.fromEntries(report.lines.map((l) => [`${l.processType}:${l.item}`, l.quantity]));
  };
  const advanceTo = (seconds: number) => w.clock.advance(T0 + seconds * 1000 - w.clock.now());

  it('counts starts, a scale, a crash and a server restart to the second, from recorded start and exit times', async () => {
    w = await healthWorld({ web: 2 });
    const first = await meterOn(w.store);
    await w.reconcile(); // t=0: web.1 and web.2 start, and come up
    const [web1, web2] = [w.runtime.find('web.1'), w.runtime.find('web.2')];
    w.listen('web.1');
    w.listen('web.2');
    await w.reconcile();
    await advanceTo(100);
    await w.scale('worker', 1);
    await w.reconcile(); // t=100: worker.1 starts
    const worker1 = w.runtime.find('worker.1');
    await advanceTo(150);
    w.runtime.crash(worker1.id); // t=150: it crashes, and is started again at once
    await w.reconcile();
    const worker1again = w.runtime.find('worker.1');
    expect(worker1again.startedAt).toBe(at(150));
    await advanceTo(210); // sweeps at 60, 120, 180 saw everything running

    // The server dies at 210. While it is down worker.1 crashes (the runtime keeps its exit time),
    // and web.1 vanishes from the runtime altogether (nothing says when it ended).
    first.abort();
    await w.store.close();
    await advanceTo(240);
    w.runtime.crash(worker1again.id);
    await advanceTo(270);
    w.runtime.crash(web1.id);
    await w.runtime.remove(web1.id);
    await advanceTo(300);

    const restarted = new SqliteStore(w.dbFile, w.clock);
    stores.push(restarted);
    const second = await meterOn(restarted); // t=300: web.2 still runs and keeps its interval
    await advanceTo(400);
    await w.runtime.stop(web2.id); // t=400
    await advanceTo(500);

    // web: web.1 0→180 (its last sighting), web.2 0→400; worker: 100→150 and 150→240 (its exit, as the runtime recorded it).
    expect(await secondsByType(restarted)).toEqual({ 'web:standard-1x': 180 + 400, 'worker:standard-1x': 50 + 90 });
    second.abort();
  });

  it('counts an instance that runs through a restart once, however often the meter starts', async () => {
    w = await healthWorld({ web: 1 });
    const first = await meterOn(w.store);
    await w.reconcile();
    w.listen('web.1');
    await w.reconcile();
    await advanceTo(30);
    first.abort();
    await w.store.close();
    const restarted = new SqliteStore(w.dbFile, w.clock);
    stores.push(restarted);
    const again = await meterOn(restarted);
    const andAgain = await meterOn(restarted);
    await advanceTo(90);
    // Still running: counted up to now, once.
    expect(await secondsByType(restarted)).toEqual({ 'web:standard-1x': 90 });
    again.abort();
    andAgain.abort();
  });

  it('records an instance that started and exited between two sweeps, from its exit event', async () => {
    w = await healthWorld({ web: 1 });
    const meter = await meterOn(w.store);
    await advanceTo(10);
    await w.reconcile(); // t=10
    await advanceTo(25);
    w.runtime.crash(w.runtime.find('web.1').id); // t=25, before any sweep saw it
    await w.clock.advance(0);
    expect(await secondsByType(w.store)).toEqual({ 'web:standard-1x': 15 });
    meter.abort();
  });
});
