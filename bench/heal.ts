// Benchmark 4: kill -9 of a web instance's app process under steady load (1 and 3 instances): time until
// a replacement is up and answering, and the requests that failed meanwhile.
import { rm } from 'node:fs/promises';
import { BerthServer } from './lib/berth-server.js';
import type { BenchContext } from './lib/context.js';
import { appProcess } from './lib/instances.js';
import { startOpenLoad, summarize } from './lib/open-load.js';
import { bootPlain, installFixture } from './lib/plain-node.js';
import { Cleanup } from './lib/processes.js';
import { median, nowMs, sleep } from './lib/stats.js';
import type { BenchResult, Row } from './lib/table.js';

const RATE = 200;

interface Heal { replacementUpMs: number; failed: number; failureWindowMs: number; requests: number }

async function killOne(server: BerthServer, app: string, quantity: number): Promise<Heal> {
  await server.scale(app, quantity);
  const seen = new Set<string>();
  const deadline = nowMs() + 60_000;
  while (seen.size < quantity && nowMs() < deadline) {
    for (const r of await Promise.all(Array.from({ length: quantity * 3 }, () => server.get(app, '/env/DYNO').catch(() => undefined)))) if (r?.status === 200) seen.add(r.text);
  }
  const load = startOpenLoad({ port: server.routerPort, host: `${app}.localhost`, rate: RATE, timeoutMs: 5000 });
  try {
    await sleep(2000);
    const victim = (await server.instances()).find((i) => i.appName === app);
    const pid = victim ? appProcess(victim.pid) : undefined;
    if (!victim || !pid) throw new Error(`no running node server.js found for ${app}`);
    const tKill = nowMs();
    process.kill(pid, 'SIGKILL');
    let upAt = NaN;
    while (nowMs() - tKill < 60_000) {
      const dynos = (await server.dynos(app)).filter((d) => d.type === 'web');
      if (dynos.length === quantity && dynos.every((d) => d.state === 'up' && d.id !== victim.id)) {
        upAt = nowMs();
        break;
      }
      await sleep(20);
    }
    // The replacement must also answer through the router, not only be reported up.
    if (quantity === 1) upAt = await server.waitForReply(app, (r) => r.status === 200, 30_000);
    await sleep(2000);
    const samples = await load.stop();
    const failures = samples.filter((s) => !s.ok && s.t >= tKill - 5000);
    const window = failures.length === 0 ? 0 : Math.max(...failures.map((f) => f.t)) - Math.min(...failures.map((f) => f.t));
    return { replacementUpMs: upAt - tKill, failed: samples.filter((s) => !s.ok).length, failureWindowMs: window, requests: summarize(samples).requests };
  } finally {
    await load.stop();
  }
}

export async function runHeal(ctx: BenchContext): Promise<BenchResult> {
  const cleanup = new Cleanup();
  try {
    const server = await BerthServer.start(ctx.root);
    cleanup.add(() => server.stop());
    const app = 'heal';
    await server.api('POST', '/apps', { name: app });
    await server.cliOk(['deploy', await server.fixtureCopy('node-hello', 'heal'), '-a', app]);
    const one = await killOne(server, app, 1);
    const three = await killOne(server, app, 3);

    const { dir } = await installFixture(ctx.root, 'node-hello');
    cleanup.add(() => rm(dir, { recursive: true, force: true }));
    const restarts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const b = await bootPlain(dir);
      restarts.push(b.ms);
      await b.started.stop();
    }
    const floor = median(restarts);
    const rows: Row[] = [
      { metric: 'kill -9, 1 instance: replacement answering', berth: one.replacementUpMs, peer: floor, peerName: 'node boot', unit: 'ms', note: 'peer: the floor any supervisor pays, spawn to first 200' },
      { metric: 'kill -9, 1 instance: failed requests', berth: one.failed, unit: `of ${one.requests}`, note: `${RATE} req/s open loop; failures spanned ${Math.round(one.failureWindowMs)} ms` },
      { metric: 'kill -9, 3 instances: replacement up', berth: three.replacementUpMs, peer: floor, peerName: 'node boot', unit: 'ms' },
      { metric: 'kill -9, 3 instances: failed requests', berth: three.failed, unit: `of ${three.requests}`, note: `failures spanned ${Math.round(three.failureWindowMs)} ms` },
    ];
    return { name: 'heal', title: `self-healing under ${RATE} req/s (app process killed with SIGKILL)`, rows, details: { one, three, restarts } };
  } finally {
    await cleanup.run();
  }
}
