// One-off dynos are billed as instances of their size, under their type (`run`): from the start of
// their command to its end; one a server restart cut off ends at the meter's last sighting of it.
import { afterEach, expect, it } from 'vitest';
import type { User } from '../domain/types.js';
import { healthWorld, type HealthWorld } from '../health/testing/health-world.js';
import { silentLogger } from '../platform/logger.js';
import { flush } from '../platform/testing/fake-clock.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { InstanceMeter } from './instance-meter.js';
import { OneOffDynos } from './one-off-dynos.js';
import { OneOffTable } from './one-off-table.js';
import { PlatformEvents } from './platform-events.js';
import { ReleaseOwner } from './release-owner.js';
import { noTeams } from './team-lookup.js';
import { usageReport } from './usage.js';

const HOUR = 3_600_000;
const worlds: HealthWorld[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const w of worlds.splice(0)) await w.cleanup();
});

async function setup() {
  const w = await healthWorld({ web: 0 });
  worlds.push(w);
  const actor = (await w.store.users.byId(w.app.ownerId)) as User;
  const events = new PlatformEvents();
  const service = new OneOffDynos({
    store: w.store, clock: w.clock, events, logger: silentLogger, defaultStack: 'berth-24',
    releaseOwner: new ReleaseOwner({ store: w.store, clock: w.clock, events, logger: silentLogger, releaseTimeoutMs: HOUR }),
    runtime: w.runtime, oneOffs: new OneOffTable(), maxLifetimeMs: 24 * HOUR,
  });
  const run = async (command: string) => {
    service.runDetached(actor, await service.prepare(actor, 'demo', { command }));
    await flush();
    return w.runtime.runningOneOffs().at(-1)!;
  };
  const meter = (store: SqliteStore) => {
    const stop = new AbortController();
    return new InstanceMeter({ store, runtime: w.runtime, clock: w.clock, logger: silentLogger }).start(stop.signal).then(() => stop);
  };
  const lines = async (store: SqliteStore) => (await usageReport({ store, clock: w.clock, teams: noTeams }, actor, { month: '2024-01' }))
    .lines.map((l) => `${l.kind} ${l.processType} ${l.item} ${l.quantity}`);
  return { w, run, meter, lines };
}

it('bills a one-off from the start of its command to its end', async () => {
  const { w, run, meter, lines } = await setup();
  const stop = await meter(w.store);
  const dyno = await run('rake db:migrate');
  await w.clock.advance(125_000);
  w.runtime.finishOneOff(dyno, 0);
  await w.clock.advance(HOUR);
  expect(await lines(w.store)).toEqual(['instance run standard-1x 125']);
  stop.abort();
});

it('ends a one-off a dead server left running at the last minute the meter saw it', async () => {
  const { w, run, meter, lines } = await setup();
  const first = await meter(w.store);
  await run('sleep 3600');
  await w.clock.advance(150_000); // seen running at 60 s and 120 s
  first.abort();
  await w.store.close(); // the server dies at 150 s; its one-off is stopped at the next start
  await w.clock.advance(HOUR);
  const restarted = new SqliteStore(w.dbFile, w.clock);
  stores.push(restarted);
  const second = await meter(restarted);
  expect(await lines(restarted)).toEqual(['instance run standard-1x 120']);
  second.abort();
});
