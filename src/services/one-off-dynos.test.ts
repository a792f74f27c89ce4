// One-off dynos against the fake runtime: what a tenant can and cannot make them take.
import { afterEach, expect, it } from 'vitest';
import { flush } from '../platform/testing/fake-clock.js';
import { healthWorld, type HealthWorld } from '../health/testing/health-world.js';
import { MAX_RUNNING_ONE_OFFS_PER_APP } from '../domain/one-off-limits.js';
import type { User } from '../domain/types.js';
import type { DynoDirectory } from './dyno-directory.js';
import { silentLogger } from '../platform/logger.js';
import { destroyApp } from './apps.js';
import { listDynos, restartDynos } from './dynos.js';
import { OneOffDynos, type OneOffDeps } from './one-off-dynos.js';
import { OneOffTable } from './one-off-table.js';
import { PlatformEvents } from './platform-events.js';
import { ReleaseOwner } from './release-owner.js';

const HOUR = 3_600_000;
const worlds: HealthWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.cleanup();
});

const noFormationDynos: DynoDirectory = { list: async () => [], restart: async () => 0 };

async function setup(formation: Record<string, number> = { web: 1 }) {
  const w = await healthWorld(formation);
  worlds.push(w);
  const actor = (await w.store.users.byId(w.app.ownerId)) as User;
  const events = new PlatformEvents();
  const deps: OneOffDeps = {
    store: w.store, clock: w.clock, events, logger: silentLogger, defaultStack: 'berth-24',
    releaseOwner: new ReleaseOwner({ store: w.store, clock: w.clock, events, logger: silentLogger, releaseTimeoutMs: HOUR }),
    appLog: { write: (_app, _source, dyno, message) => void w.appLog.push(`${dyno}: ${message}`) },
    dynos: noFormationDynos, runtime: w.runtime, oneOffs: new OneOffTable(), maxLifetimeMs: 24 * HOUR,
  };
  const service = new OneOffDynos(deps);
  const detached = async (command = 'sleep 600', size?: string) => {
    const p = await service.prepare(actor, 'demo', { command, size });
    service.runDetached(actor, p);
    await flush();
    return p.dynoName;
  };
  const dynoNames = async () => (await listDynos(deps, actor, 'demo')).dynos.map((d) => d.name).sort();
  return { w, actor, deps, service, detached, dynoNames };
}

it('lists running one-offs among the app’s dynos, with type, state, size and command', async () => {
  const { actor, deps, detached } = await setup();
  const name = await detached('sleep 600', 'standard-1x');
  const { dynos } = await listDynos(deps, actor, 'demo');
  expect(dynos).toEqual([expect.objectContaining({ name, type: 'run', state: 'up', size: 'standard-1x', command: 'sleep 600' })]);
});

it(`refuses a ${MAX_RUNNING_ONE_OFFS_PER_APP + 1}th concurrent one-off with too_many_one_offs, counting attached ones not yet connected`, async () => {
  const { w, actor, service, detached } = await setup();
  const pendingAttach = await service.prepare(actor, 'demo', { command: 'bash', attach: true });
  for (let n = 1; n < MAX_RUNNING_ONE_OFFS_PER_APP; n++) await detached();
  await expect(service.prepare(actor, 'demo', { command: 'sleep 600' })).rejects.toMatchObject({ code: 'too_many_one_offs' });
  expect(w.runtime.runningOneOffs()).toHaveLength(MAX_RUNNING_ONE_OFFS_PER_APP - 1);

  // An attach that never connects gives its place back; so does a one-off that ends.
  service.abandon(pendingAttach);
  const next = await detached();
  await expect(service.prepare(actor, 'demo', { command: 'sleep 600' })).rejects.toMatchObject({ code: 'too_many_one_offs' });
  w.runtime.finishOneOff(next, 0);
  await flush();
  await expect(detached()).resolves.toMatch(/^run\.\d+$/);
});

it('refuses a one-off larger than the largest size the formation uses, never capping below the default size', async () => {
  const { w, actor, service } = await setup();
  await expect(service.prepare(actor, 'demo', { command: 'true', size: 'performance-l' })).rejects.toMatchObject({ code: 'invalid_params', message: expect.stringContaining('at most standard-1x') });
  await expect(service.prepare(actor, 'demo', { command: 'true', size: 'standard-1x' })).resolves.toMatchObject({ size: { name: 'standard-1x' } });
  await w.store.formation.upsert(w.app.id, 'worker', { quantity: 1, size: 'performance-m' });
  await expect(service.prepare(actor, 'demo', { command: 'true', size: 'performance-m' })).resolves.toMatchObject({ size: { name: 'performance-m' } });
  await expect(service.prepare(actor, 'demo', { command: 'true', size: 'performance-l' })).rejects.toMatchObject({ code: 'invalid_params' });
});

it('ps:stop run.N stops that one-off for good; ps:stop run stops all of them', async () => {
  const { w, actor, deps, detached, dynoNames } = await setup();
  const first = await detached();
  const second = await detached();
  const third = await detached();
  await restartDynos(deps, actor, 'demo', first);
  await flush();
  expect(w.runtime.runningOneOffs()).toEqual([second, third].sort());
  expect(await dynoNames()).toEqual([second, third].sort());
  expect(w.appLog).toContain(`${first}: Process exited with status 143 (stopped by ${actor.email})`);
  await expect(restartDynos(deps, actor, 'demo', first)).rejects.toMatchObject({ code: 'dyno_not_found' });
  await restartDynos(deps, actor, 'demo', 'run');
  await flush();
  expect(w.runtime.runningOneOffs()).toEqual([]);
  expect(await dynoNames()).toEqual([]);
});

it('stops a one-off after the maximum lifetime and says so in the app log', async () => {
  const { w, detached, dynoNames } = await setup();
  const name = await detached();
  await w.clock.advance(24 * HOUR - 1000);
  expect(w.runtime.runningOneOffs()).toEqual([name]);
  await w.clock.advance(1000);
  expect(w.runtime.runningOneOffs()).toEqual([]);
  expect(await dynoNames()).toEqual([]);
  expect(w.appLog).toContain(`api: Stopping ${name}: one-off dynos may run for at most 24h`);
});

it('a one-off that ends on its own leaves no lifetime timer to stop it later', async () => {
  const { w, detached } = await setup();
  const name = await detached();
  w.runtime.finishOneOff(name, 0);
  await flush();
  await w.clock.advance(25 * HOUR);
  expect(w.appLog.filter((l) => l.includes('may run for at most'))).toEqual([]);
});

it('destroying the app stops its one-offs, running or waiting for their client, and none starts afterwards', async () => {
  const { w, actor, deps, service, detached } = await setup();
  await detached();
  await detached();
  const waiting = await service.prepare(actor, 'demo', { command: 'bash', attach: true });
  await destroyApp(deps, actor, 'demo');
  await flush();
  expect(w.runtime.runningOneOffs()).toEqual([]);
  expect(deps.oneOffs.list(w.app.id)).toEqual([]);
  await expect(service.runAttached(actor, waiting, { stdout: process.stdout })).rejects.toMatchObject({ code: 'dyno_not_found' });
  expect(w.runtime.oneOffSpecs).toHaveLength(2);
});

it('runs a process type\'s command when its name is the whole command (`berth run worker`), any other command as given', async () => {
  const { w, actor, service } = await setup();
  const named = await service.prepare(actor, 'demo', { command: ' worker ' });
  expect(named.command).toBe('node worker.js');
  service.runDetached(actor, named);
  await flush();
  expect(w.runtime.oneOffSpecs.at(-1)?.command).toBe('node worker.js');

  await expect(service.prepare(actor, 'demo', { command: 'worker --verbose' })).resolves.toMatchObject({ command: 'worker --verbose' });
  // Only the slug's own types: an inherited property name is a command like any other.
  await expect(service.prepare(actor, 'demo', { command: 'constructor' })).resolves.toMatchObject({ command: 'constructor' });
});
