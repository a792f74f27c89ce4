// Benchmark 2: deploy latency of the fixture Node app through `berth deploy`, cold, warm, config change
// and rollback, on every runtime available (local always, docker when an engine answers), against the
// same steps done by hand (npm ci + node server.js, or a plain restart) and docker against local.
import { rm } from 'node:fs/promises';
import { BerthServer, type BenchRuntime, type CliRun } from './lib/berth-server.js';
import type { BenchContext } from './lib/context.js';
import { dockerProblem } from './lib/docker-engine.js';
import { bootPlain, installFixture } from './lib/plain-node.js';
import { Cleanup } from './lib/processes.js';
import { median, nowMs } from './lib/stats.js';
import type { BenchResult, Row } from './lib/table.js';

interface Phases { upload: number; build: number; release: number; bootAndRoute: number; routeAfterWebUp: number; toServing: number; cli: number }

/** One runtime's server and figures; a runtime that fails stops being measured but keeps what it has. */
interface Lane {
  runtime: BenchRuntime;
  server?: BerthServer;
  stackMs?: number;
  main: string;
  mainDir: string;
  versionOf: Record<string, number>;
  cold: Phases[];
  warm: Phases[];
  config: number[];
  rollback: number[];
  error?: string;
}

/** Cuts one deploy into phases from the CLI's timestamped build output and the first new reply through the router. */
function phases(run: CliRun, servingAt: number): Phases {
  const at = (re: RegExp) => run.lines.find((l) => re.test(l.line))?.t ?? NaN;
  const queued = at(/^-----> /);
  const released = at(/^-----> Released v\d+$/);
  const launching = at(/^-----> Launching/);
  const webUp = at(/Released v\d+: live/);
  return {
    upload: queued - run.startedAt,
    build: released - queued,
    release: launching - released,
    bootAndRoute: servingAt - launching,
    routeAfterWebUp: servingAt - webUp,
    toServing: servingAt - run.startedAt,
    cli: run.endedAt - run.startedAt,
  };
}

async function timedDeploy(server: BerthServer, app: string, dir: string, marker: string): Promise<Phases> {
  const serving = server.waitForReply(app, (r) => r.status === 200 && r.text.includes(marker));
  const run = await server.cliOk(['deploy', dir, '-a', app]);
  return phases(run, await serving);
}

/** Runs `step` on each lane still healthy, one after the other: rounds interleave the runtimes. */
async function each(lanes: Lane[], step: (lane: Lane, server: BerthServer) => Promise<void>): Promise<void> {
  for (const lane of lanes) {
    if (lane.error || !lane.server) continue;
    try {
      await step(lane, lane.server);
    } catch (e) {
      lane.error = e instanceof Error ? e.stack ?? e.message : String(e);
    }
  }
}

async function configChange(lane: Lane, server: BerthServer, i: number): Promise<void> {
  const value = `config-${i}`;
  const t0 = nowMs();
  const serving = server.waitForReply(lane.main, (r) => r.text.includes(value));
  await server.cliOk(['config:set', `GREETING=${value}`, '-a', lane.main]);
  const t1 = await serving;
  if (i > 0) lane.config.push(t1 - t0); // the first one sets up the rollback below, and is a warm-up
  const releases = (await server.api('GET', `/apps/${lane.main}/releases`, undefined, { Range: 'version ..; max=1, order=desc' })) as { version: number }[];
  lane.versionOf[value] = releases[0]!.version;
}

async function rollback(lane: Lane, server: BerthServer, value: string): Promise<void> {
  const t0 = nowMs();
  const serving = server.waitForReply(lane.main, (r) => r.text.includes(value + '\n'));
  await server.cliOk(['releases:rollback', `v${lane.versionOf[value]}`, '-a', lane.main]);
  lane.rollback.push((await serving) - t0);
}

const m = (xs: Phases[], k: keyof Phases) => median(xs.map((x) => x[k]));

/** The figures of one runtime; `peer` gives each main row its comparison (by hand on local, local on docker). */
function rowsOf(lane: Lane, peer: (metric: 'cold' | 'warm' | 'config' | 'rollback') => Pick<Row, 'peer' | 'peerName' | 'note'>): Row[] {
  const { cold, warm } = lane;
  return [
    { metric: 'cold deploy (first build) to serving', berth: m(cold, 'toServing'), unit: 'ms', ...peer('cold') },
    { metric: '  cold: upload (CLI start, pack, PUT)', berth: m(cold, 'upload'), unit: 'ms' },
    { metric: '  cold: build', berth: m(cold, 'build'), unit: 'ms' },
    { metric: '  cold: release', berth: m(cold, 'release'), unit: 'ms' },
    { metric: '  cold: boot + route switch', berth: m(cold, 'bootAndRoute'), unit: 'ms' },
    { metric: '  cold: CLI returns', berth: m(cold, 'cli'), unit: 'ms' },
    { metric: 'warm deploy (code change) to serving', berth: m(warm, 'toServing'), unit: 'ms', ...peer('warm') },
    { metric: '  warm: upload', berth: m(warm, 'upload'), unit: 'ms' },
    { metric: '  warm: build', berth: m(warm, 'build'), unit: 'ms' },
    { metric: '  warm: release', berth: m(warm, 'release'), unit: 'ms' },
    { metric: '  warm: boot + route switch', berth: m(warm, 'bootAndRoute'), unit: 'ms' },
    { metric: '  warm: route switch after "web is up"', berth: m(warm, 'routeAfterWebUp'), unit: 'ms', note: 'negative: the router switched before the build output said so' },
    { metric: 'config:set to new release serving', berth: median(lane.config), unit: 'ms', ...peer('config') },
    { metric: 'releases:rollback to serving', berth: median(lane.rollback), unit: 'ms', ...peer('rollback') },
  ];
}

export async function runDeploy(ctx: BenchContext): Promise<BenchResult[]> {
  const cleanup = new Cleanup();
  try {
    const n = ctx.deploys;
    const skipped = await dockerProblem();
    const runtimes: BenchRuntime[] = skipped ? ['local'] : ['local', 'docker'];
    const lanes: Lane[] = runtimes.map((runtime) => ({ runtime, main: '', mainDir: '', versionOf: {}, cold: [], warm: [], config: [], rollback: [] }));
    for (const lane of lanes) {
      try {
        lane.server = await BerthServer.start(ctx.root, {}, lane.runtime);
        cleanup.add(() => lane.server!.stop());
        // The stack image is built before anything is timed, so that "cold" is the app's first build.
        if (lane.runtime === 'docker') lane.stackMs = await lane.server.buildStack();
      } catch (e) {
        lane.error = e instanceof Error ? e.stack ?? e.message : String(e);
      }
    }

    for (let i = 0; i < n; i++) {
      await each(lanes, async (lane, server) => {
        const app = `deploy-cold-${i}`;
        await server.api('POST', '/apps', { name: app });
        const dir = await server.fixtureCopy('node-hello', `cold-${i}`);
        lane.cold.push(await timedDeploy(server, app, dir, `cold-${i}`));
        if (i === 0) [lane.main, lane.mainDir] = [app, dir];
      });
    }
    for (let i = 0; i < n; i++) {
      await each(lanes, async (lane, server) => {
        await server.setMarker(lane.mainDir, `warm-${i}`);
        lane.warm.push(await timedDeploy(server, lane.main, lane.mainDir, `warm-${i}`));
      });
    }
    for (let i = 0; i <= n; i++) await each(lanes, (lane, server) => configChange(lane, server, i));
    // Alternate between the last two config releases, so each rollback changes what is served.
    for (let i = 0; i < n; i++) await each(lanes, (lane, server) => rollback(lane, server, `config-${i % 2 === 0 ? n - 1 : n}`));
    // Servers (and their apps, containers, images) go before the by-hand runs, which then have the machine alone.
    for (const lane of lanes) await lane.server?.stop();

    // The same steps by hand: npm ci + first 200 (cold), a restart to first 200 (warm, config, rollback).
    const handCold: number[] = [];
    const restart: number[] = [];
    for (let i = 0; i < n; i++) {
      const { dir, installMs } = await installFixture(ctx.root, 'node-hello');
      cleanup.add(() => rm(dir, { recursive: true, force: true }));
      const boot = await bootPlain(dir);
      await boot.started.stop();
      handCold.push(installMs + boot.ms);
      const again = await bootPlain(dir);
      await again.started.stop();
      restart.push(again.ms);
    }

    const [local, docker] = lanes as [Lane, Lane | undefined];
    const hand = { cold: median(handCold), warm: median(restart), config: median(restart), rollback: median(restart) };
    const handNote = { cold: 'hand: npm ci + node to first 200', warm: 'hand: restart node to first 200' } as Record<string, string>;
    const results: BenchResult[] = [{
      name: 'deploy', title: `deploy latency of node-hello on the local runtime (median of ${n})`,
      rows: rowsOf(local, (k) => ({ peer: hand[k], peerName: 'by hand', note: handNote[k] })),
      details: { cold: local.cold, warm: local.warm, config: local.config, rollback: local.rollback, handCold, restart },
      error: local.error,
    }];
    if (!docker) {
      results.push({ name: 'deploy (docker)', title: 'deploy latency on the docker runtime', rows: [], details: { skipped }, skipped: `no Docker engine answers: ${skipped}` });
      return results;
    }
    const localFigure = { cold: m(local.cold, 'toServing'), warm: m(local.warm, 'toServing'), config: median(local.config), rollback: median(local.rollback) };
    results.push({
      name: 'deploy (docker)', title: `deploy latency of node-hello on the docker runtime, rounds interleaved with local (median of ${n})`,
      rows: [
        ...rowsOf(docker, (k) => ({ peer: localFigure[k], peerName: 'local', note: `ratio docker/local; by hand ${Math.round(hand[k])} ms` })),
        { metric: 'stack image berth/stack:24 ready, before timing', berth: docker.stackMs ?? NaN, unit: 'ms', note: 'stack:build ahead of the runs, so cold = the app build only (~100 s when the image is made from scratch)' },
      ],
      details: { cold: docker.cold, warm: docker.warm, config: docker.config, rollback: docker.rollback, stackMs: docker.stackMs },
      error: docker.error,
    });
    return results;
  } finally {
    await cleanup.run();
  }
}
