// app.json healthchecks (Dokku's) as the reconciler applies them: startup/readiness checks gate the
// traffic to a new instance and fail the rollout naming the check, the previous release serving on;
// liveness checks restart an instance that fails them, as a crash with backoff. Time is a FakeClock;
// each attempt's answer comes from the test.
import { afterEach, describe, expect, it } from 'vitest';
import type { Healthcheck } from '../domain/healthchecks.js';
import type { Release } from '../domain/types.js';
import { silentLogger } from '../platform/logger.js';
import type { CheckOutcome } from './check-schedule.js';
import { Reconciler } from './reconciler.js';
import { healthWorld, PROCESS_TYPES, type HealthWorld } from './testing/health-world.js';

let world: HealthWorld;
afterEach(async () => world?.cleanup());

/** Answers every attempt with `answer` (changed by the test), recording `dyno@vN path` per attempt. */
function scriptedChecks() {
  const attempts: string[] = [];
  const probe = {
    answer: { ok: true } as CheckOutcome,
    attempts,
    fn: async (address: { host: string; port: number } | null, check: Healthcheck): Promise<CheckOutcome> => {
      const instance = (await world.runtime.list()).find((i) => i.address?.port === address?.port && i.status === 'running');
      attempts.push(`${instance ? world.runtime.label(instance.id) : '?'} ${check.path ?? check.kind}`);
      return probe.answer;
    },
  };
  return probe;
}

const check = (c: Partial<Healthcheck>): Healthcheck => ({
  type: 'startup', name: 'ready', kind: 'path', path: '/health', attempts: 3, timeout: 5, wait: 5, initialDelay: 0, ...c,
});

/** A new release of a slug built with these checks for web, made current (as a deploy would). */
async function deployWithChecks(w: HealthWorld, web: Healthcheck[]): Promise<Release> {
  const slug = await w.store.slugs.create({
    appId: w.app.id, location: '/slugs/demo-2', processTypes: PROCESS_TYPES, healthchecks: { web }, buildpackDescription: 'Node.js', commit: null, sizeBytes: 1,
  });
  return w.store.releases.create({ appId: w.app.id, description: 'Deploy', current: true, slugId: slug.id, config: {}, userId: w.app.ownerId });
}

/** v1 (no checks) up and serving. */
async function servingV1(w: HealthWorld): Promise<void> {
  await w.reconcile();
  w.listen('web.1');
  await w.reconcile();
  expect(await w.rollout()).toBe('live');
}

describe('Reconciler: app.json startup and readiness healthchecks', () => {
  it('a failing startup check fails the rollout naming the check; the previous release keeps serving', async () => {
    const probe = scriptedChecks();
    world = await healthWorld({ web: 1 }, { healthchecks: probe.fn });
    await servingV1(world);
    const v2 = await deployWithChecks(world, [check({ attempts: 2, wait: 5 })]);
    probe.answer = { ok: false, problem: 'GET /health answered 500, not 2xx' };
    await world.reconcile(); // web.1@v2 starts
    world.listen('web.1');
    await world.reconcile(); // attempt 1 fails
    expect(probe.attempts).toEqual(['web.1@v2 /health']);
    expect(world.appLog).toContain('web.1: Startup healthcheck "ready" failed (1 of 2): GET /health answered 500, not 2xx; trying again in 5 s');
    expect(world.backends()).toEqual(['web.1@v1']);
    expect(await world.rollout(v2.id)).toBe('releasing');
    await world.clock.advance(4999);
    await world.reconcile();
    expect(probe.attempts).toHaveLength(1); // `wait` not over yet
    await world.clock.advance(1);
    await world.reconcile(); // attempt 2 fails: the check has used its attempts
    expect(await world.rollout(v2.id)).toBe('failed: web.1 failed its startup healthcheck "ready" after 2 attempts: GET /health answered 500, not 2xx');
    expect(world.appLog).toContain('api: Release v2 failed: web.1 failed its startup healthcheck "ready" after 2 attempts: GET /health answered 500, not 2xx');
    expect(world.backends()).toEqual(['web.1@v1']);
    expect(world.runtime.running()).toEqual(['web.1@v1']); // the failing instance was stopped
    expect(world.runtime.stopped()).toEqual(['web.1@v2']);
  });

  it('moves traffic to the new instance only once every gate check passed, not before its initialDelay', async () => {
    const probe = scriptedChecks();
    world = await healthWorld({ web: 1 }, { healthchecks: probe.fn });
    await servingV1(world);
    const v2 = await deployWithChecks(world, [
      check({ name: 'boot', initialDelay: 10 }),
      check({ type: 'readiness', name: 'db', path: '/ready', wait: 2 }),
    ]);
    await world.reconcile();
    world.listen('web.1');
    probe.answer = { ok: false, problem: 'GET /ready answered 503, not 2xx' };
    await world.reconcile();
    expect(probe.attempts).toEqual(['web.1@v2 /ready']); // /health waits out its initialDelay
    probe.answer = { ok: true };
    await world.clock.advance(2000);
    await world.reconcile();
    expect(probe.attempts).toEqual(['web.1@v2 /ready', 'web.1@v2 /ready']);
    expect(world.backends()).toEqual(['web.1@v1']); // "boot" has not passed yet
    expect((await world.reconciler.dynos(world.app.id)).map((d) => `${d.name}@v${d.releaseVersion}:${d.state}`)).toEqual(['web.1@v1:up', 'web.1@v2:starting']);
    await world.clock.advance(8000);
    await world.reconcile();
    expect(probe.attempts.at(-1)).toBe('web.1@v2 /health');
    expect(world.backends()).toEqual(['web.1@v2']);
    expect(await world.rollout(v2.id)).toBe('live');
  });

  it('runs the checks of the release it runs: a rollback to a release without checks goes live without them', async () => {
    const probe = scriptedChecks();
    world = await healthWorld({ web: 1 }, { healthchecks: probe.fn });
    await servingV1(world);
    probe.answer = { ok: false, problem: 'GET /health answered 500, not 2xx' };
    const v2 = await deployWithChecks(world, [check({ attempts: 1 })]);
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    expect(await world.rollout(v2.id)).toMatch(/^failed: web\.1 failed its startup healthcheck "ready"/);
    const tried = probe.attempts.length;
    const v3 = await world.deploy(); // the first slug again, as releases:rollback makes it
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile();
    expect(await world.rollout(v3.id)).toBe('live');
    expect(probe.attempts).toHaveLength(tried);
    expect(world.backends()).toEqual(['web.1@v3']);
  });

  it('after a server restart, an instance whose checks pass keeps its traffic in the first pass, its initialDelay long over', async () => {
    const probe = scriptedChecks();
    world = await healthWorld({ web: 1 }, { healthchecks: probe.fn });
    await deployWithChecks(world, [check({ initialDelay: 30 })]);
    await world.reconcile();
    world.listen('web.1');
    await world.clock.advance(30_000);
    await world.reconcile();
    expect(world.backends()).toEqual(['web.1@v2']);
    // A new API process: a reconciler that knows nothing of the instance it finds running.
    const restarted = new Reconciler({
      store: world.store, runtime: world.runtime, routes: world.routes, clock: world.clock, logger: silentLogger, rollouts: world.rollouts,
      appLog: { write: () => undefined }, probe: async () => true, healthchecks: probe.fn,
    });
    world.routes.current.clear();
    await restarted.reconcile(world.app.id);
    expect(world.backends()).toEqual(['web.1@v2']);
    expect(world.runtime.started()).toEqual(['web.1@v2']); // nothing restarted
  });
});

describe('Reconciler: app.json liveness healthchecks', () => {
  it('says a web dyno is up only once the routes have it, not while its first liveness attempt is out', async () => {
    let asked!: () => void;
    let answer!: () => void;
    const probing = new Promise<void>((resolve) => (asked = resolve));
    world = await healthWorld({ web: 1 }, {
      healthchecks: async () => {
        asked();
        await new Promise<void>((resolve) => (answer = resolve));
        return { ok: true };
      },
    });
    await deployWithChecks(world, [check({ type: 'liveness', name: 'alive', path: '/live', attempts: 2, wait: 10 })]);
    await world.reconcile(); // web.1@v2 starts
    world.listen('web.1');
    const states = async () => (await world.reconciler.dynos(world.app.id)).map((d) => `${d.name} ${d.state}`);
    const pass = world.reconcile();
    await probing; // its port is open, and the pass waits on the first liveness attempt
    expect(world.backends()).toEqual([]);
    expect(await states()).toEqual(['web.1 starting']);
    expect(world.appLog).not.toContain('web.1: State changed from starting to up');
    answer();
    await pass;
    expect(world.backends()).toEqual(['web.1@v2']);
    expect(await states()).toEqual(['web.1 up']);
    expect(world.appLog).toContain('web.1: State changed from starting to up');
  });

  it('restarts an instance that fails its liveness check `attempts` times in a row, as a crash with backoff', async () => {
    const probe = scriptedChecks();
    world = await healthWorld({ web: 1 }, { healthchecks: probe.fn });
    await servingV1(world);
    await deployWithChecks(world, [check({ type: 'liveness', name: 'alive', path: '/live', attempts: 2, wait: 10 })]);
    await world.reconcile();
    world.listen('web.1');
    await world.reconcile(); // up: the first liveness attempt passes
    expect(world.backends()).toEqual(['web.1@v2']);
    expect(probe.attempts).toEqual(['web.1@v2 /live']);
    probe.answer = { ok: false, problem: 'GET /live got no answer within 5 s' };
    await world.clock.advance(10_000);
    await world.reconcile(); // 1 failure: still up
    expect(world.backends()).toEqual(['web.1@v2']);
    await world.clock.advance(10_000);
    await world.reconcile(); // 2 in a row: restarted
    expect(world.appLog).toContain('web.1: Liveness healthcheck "alive" failed 2 times in a row: GET /live got no answer within 5 s; stopping the process');
    expect(world.appLog).toContain('web.1: State changed from up to crashed');
    expect(world.runtime.stopped()).toContain('web.1@v2');
    expect(await world.rollout()).toBe('live'); // the rollout was over; this is about now
    await world.reconcile(); // first crash: restarted at once
    expect(world.runtime.started().filter((l) => l === 'web.1@v2')).toHaveLength(2);
    probe.answer = { ok: true };
    world.listen('web.1');
    await world.reconcile();
    expect(world.backends()).toEqual(['web.1@v2']);
    // A second liveness failure is the slot's second crash: the restart waits 1 s.
    probe.answer = { ok: false, problem: 'GET /live answered 500, not 2xx' };
    await world.clock.advance(10_000);
    await world.reconcile();
    await world.clock.advance(10_000);
    const { wakeInMs } = await world.reconciler.reconcile(world.app.id);
    expect(wakeInMs).toBe(1000);
    await world.reconcile();
    expect(world.runtime.started().filter((l) => l === 'web.1@v2')).toHaveLength(2);
    await world.clock.advance(1000);
    await world.reconcile();
    expect(world.runtime.started().filter((l) => l === 'web.1@v2')).toHaveLength(3);
  });
});
