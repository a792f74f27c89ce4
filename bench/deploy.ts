// Benchmark 2: deploy latency of the fixture Node app through `berth deploy`, cold, warm, config change
// and rollback, against the same steps done by hand (npm ci + node server.js, or a plain restart).
import { rm } from 'node:fs/promises';
import { BerthServer, type CliRun } from './lib/berth-server.js';
import type { BenchContext } from './lib/context.js';
import { bootPlain, installFixture } from './lib/plain-node.js';
import { Cleanup } from './lib/processes.js';
import { median, nowMs } from './lib/stats.js';
import type { BenchResult, Row } from './lib/table.js';

interface Phases { upload: number; build: number; release: number; bootAndRoute: number; routeAfterWebUp: number; toServing: number; cli: number }

/** Cuts one deploy into phases from the CLI's timestamped build output and the first new reply through the router. */
function phases(run: CliRun, servingAt: number): Phases {
  const at = (re: RegExp) => run.lines.find((l) => re.test(l.line))?.t ?? NaN;
  const queued = at(/^-----> /);
  const released = at(/^-----> Released v\d+$/);
  const launching = at(/^-----> Launching/);
  const webUp = at(/Released v\d+: web is up/);
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

export async function runDeploy(ctx: BenchContext): Promise<BenchResult> {
  const cleanup = new Cleanup();
  try {
    const server = await BerthServer.start(ctx.root);
    cleanup.add(() => server.stop());
    const n = ctx.deploys;
    const cold: Phases[] = [];
    const warm: Phases[] = [];
    const config: number[] = [];
    const rollback: number[] = [];
    let main = '';
    let mainDir = '';
    for (let i = 0; i < n; i++) {
      const app = `deploy-cold-${i}`;
      await server.api('POST', '/apps', { name: app });
      const dir = await server.fixtureCopy('node-hello', `cold-${i}`);
      cold.push(await timedDeploy(server, app, dir, `cold-${i}`));
      if (i === 0) [main, mainDir] = [app, dir];
    }
    for (let i = 0; i < n; i++) {
      await server.setMarker(mainDir, `warm-${i}`);
      warm.push(await timedDeploy(server, main, mainDir, `warm-${i}`));
    }
    const versionOf: Record<string, number> = {};
    for (let i = 0; i <= n; i++) {
      const value = `config-${i}`;
      const t0 = nowMs();
      const serving = server.waitForReply(main, (r) => r.text.includes(value));
      await server.cliOk(['config:set', `GREETING=${value}`, '-a', main]);
      const t1 = await serving;
      if (i > 0) config.push(t1 - t0); // the first one sets up the rollback below, and is a warm-up
      const releases = (await server.api('GET', `/apps/${main}/releases`, undefined, { Range: 'version ..; max=1, order=desc' })) as { version: number }[];
      versionOf[value] = releases[0]!.version;
    }
    for (let i = 0; i < n; i++) {
      // Alternate between the last two config releases, so each rollback changes what is served.
      const value = `config-${i % 2 === 0 ? n - 1 : n}`;
      const t0 = nowMs();
      const serving = server.waitForReply(main, (r) => r.text.includes(value + '\n'));
      await server.cliOk(['releases:rollback', `v${versionOf[value]}`, '-a', main]);
      rollback.push((await serving) - t0);
    }

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

    const m = (xs: Phases[], k: keyof Phases) => median(xs.map((x) => x[k]));
    const peer = 'by hand';
    const rows: Row[] = [
      { metric: 'cold deploy (first build) to serving', berth: m(cold, 'toServing'), peer: median(handCold), peerName: peer, unit: 'ms', note: 'hand: npm ci + node to first 200' },
      { metric: '  cold: upload (CLI start, pack, PUT)', berth: m(cold, 'upload'), unit: 'ms' },
      { metric: '  cold: build', berth: m(cold, 'build'), unit: 'ms' },
      { metric: '  cold: release', berth: m(cold, 'release'), unit: 'ms' },
      { metric: '  cold: boot + route switch', berth: m(cold, 'bootAndRoute'), unit: 'ms' },
      { metric: '  cold: CLI returns', berth: m(cold, 'cli'), unit: 'ms' },
      { metric: 'warm deploy (code change) to serving', berth: m(warm, 'toServing'), peer: median(restart), peerName: peer, unit: 'ms', note: 'hand: restart node to first 200' },
      { metric: '  warm: upload', berth: m(warm, 'upload'), unit: 'ms' },
      { metric: '  warm: build', berth: m(warm, 'build'), unit: 'ms' },
      { metric: '  warm: release', berth: m(warm, 'release'), unit: 'ms' },
      { metric: '  warm: boot + route switch', berth: m(warm, 'bootAndRoute'), unit: 'ms' },
      { metric: '  warm: route switch after "web is up"', berth: m(warm, 'routeAfterWebUp'), unit: 'ms', note: 'negative: the router switched before the build output said so' },
      { metric: 'config:set to new release serving', berth: median(config), peer: median(restart), peerName: peer, unit: 'ms' },
      { metric: 'releases:rollback to serving', berth: median(rollback), peer: median(restart), peerName: peer, unit: 'ms' },
    ];
    return { name: 'deploy', title: `deploy latency of node-hello on the local runtime (median of ${n})`, rows, details: { cold, warm, config, rollback, handCold, restart } };
  } finally {
    await cleanup.run();
  }
}
