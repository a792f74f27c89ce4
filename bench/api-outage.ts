// Benchmark 7: kill -9 of the API process (`berth server` supervises the API and the router) under
// steady load through the router: requests that failed while the API was dead, how long until the
// supervisor's new API answers, how long after that the router follows a change, and what the
// router costs as a process of its own.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthServer } from './lib/berth-server.js';
import type { BenchContext } from './lib/context.js';
import { startOpenLoad, summarize } from './lib/open-load.js';
import { rssBytes } from './lib/proc-stat.js';
import { Cleanup } from './lib/processes.js';
import { median, nowMs, sleep } from './lib/stats.js';
import type { BenchResult, Row } from './lib/table.js';

const RATE = 200;
const TRIALS = 3;
const MiB = 1024 * 1024;

const rolePid = async (server: BerthServer, role: string): Promise<number> =>
  Number((await readFile(join(server.home, 'run', `${role}.pid`), 'utf8')).trim());

interface Outage { apiBackMs: number; followedMs: number; failed: number; servedWhileDown: number; requests: number; failedByStatus: Record<string, number>; failedFromKillMs: number[] }

async function killApi(server: BerthServer, app: string): Promise<Outage> {
  const load = startOpenLoad({ port: server.routerPort, host: `${app}.localhost`, rate: RATE, timeoutMs: 5000 });
  try {
    await sleep(1000);
    const victim = await rolePid(server, 'api');
    const tKill = nowMs();
    process.kill(victim, 'SIGKILL');
    let backAt = NaN;
    while (nowMs() - tKill < 60_000) {
      const pid = await rolePid(server, 'api').catch(() => victim);
      if (pid !== victim && (await fetch(`${server.apiUrl}/health`).then((r) => r.ok, () => false))) { backAt = nowMs(); break; }
      await sleep(10);
    }
    await sleep(1000);
    const samples = await load.stop();
    const during = samples.filter((s) => s.t >= tKill && s.t <= backAt);
    // A change through the new API (maintenance on), seen at the router as its 503 page.
    const tChange = nowMs();
    await server.api('PATCH', `/apps/${app}`, { maintenance: true });
    const followedAt = await server.waitForReply(app, (r) => r.status === 503, 60_000);
    await server.api('PATCH', `/apps/${app}`, { maintenance: false });
    await server.waitForReply(app, (r) => r.status === 200, 60_000);
    const failures = samples.filter((s) => !s.ok);
    const failedByStatus: Record<string, number> = {};
    for (const f of failures) failedByStatus[String(f.status)] = (failedByStatus[String(f.status)] ?? 0) + 1;
    return {
      apiBackMs: backAt - tKill, followedMs: followedAt - tChange, failed: failures.length, servedWhileDown: during.filter((s) => s.ok).length,
      requests: summarize(samples).requests, failedByStatus, failedFromKillMs: failures.map((f) => Math.round(f.t - tKill)),
    };
  } finally {
    await load.stop();
  }
}

export async function runApiOutage(ctx: BenchContext): Promise<BenchResult> {
  const cleanup = new Cleanup();
  try {
    const server = await BerthServer.start(ctx.root);
    cleanup.add(() => server.stop());
    const app = 'outage';
    await server.api('POST', '/apps', { name: app });
    await server.cliOk(['deploy', await server.fixtureCopy('node-hello', 'outage'), '-a', app]);
    await server.waitForReply(app, (r) => r.status === 200, 60_000);
    const rss = { supervisor: rssBytes(server.pid) / MiB, api: rssBytes(await rolePid(server, 'api')) / MiB, router: rssBytes(await rolePid(server, 'router')) / MiB };
    const trials: Outage[] = [];
    for (let i = 0; i < TRIALS; i++) trials.push(await killApi(server, app));
    const sum = (f: (o: Outage) => number) => trials.reduce((n, o) => n + f(o), 0);
    const rows: Row[] = [
      { metric: 'kill -9 of the API: failed requests through the router', berth: sum((o) => o.failed), unit: `of ${sum((o) => o.requests)}`, note: `${RATE} req/s open loop, ${TRIALS} kills; by status: ${JSON.stringify(trials.map((o) => o.failedByStatus))}` },
      { metric: 'requests served while the API was dead', berth: sum((o) => o.servedWhileDown), unit: 'requests' },
      { metric: 'kill -9 → new API answering /health', berth: median(trials.map((o) => o.apiBackMs)), unit: 'ms', note: 'median; supervisor restart delay included' },
      { metric: 'change via the new API → followed by the router', berth: median(trials.map((o) => o.followedMs)), unit: 'ms', note: 'maintenance on until the router answers 503' },
      { metric: 'router RSS (own process)', berth: rss.router, unit: 'MiB', note: `API ${rss.api.toFixed(0)} MiB, supervisor ${rss.supervisor.toFixed(0)} MiB` },
    ];
    return { name: 'api-outage', title: `the router while the API is killed (${RATE} req/s)`, rows, details: { trials, rss } };
  } finally {
    await cleanup.run();
  }
}
