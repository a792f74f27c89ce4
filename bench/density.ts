// Benchmark 6: memory of the server idle, with 100 apps and with 1,000; per-instance RSS of idle fixture
// apps and how many would fit; GET /apps latency with 1,000 apps against an authenticated one-row call.
import { rm } from 'node:fs/promises';
import { BerthServer } from './lib/berth-server.js';
import type { BenchContext } from './lib/context.js';
import { memAvailableBytes } from './lib/machine.js';
import { bootPlain, installFixture } from './lib/plain-node.js';
import { Cleanup } from './lib/processes.js';
import { rssBytes, treeRssBytes } from './lib/proc-stat.js';
import { median, nowMs, percentile, sleep } from './lib/stats.js';
import type { BenchResult } from './lib/table.js';

const MiB = 2 ** 20;
const DEPLOYED = 10;

async function createApps(server: BerthServer, from: number, to: number): Promise<void> {
  const names = Array.from({ length: to - from }, (_, i) => `density-${from + i}`);
  // A few at a time: how a script or a team would fill the platform, without queueing 900 requests at once.
  for (let i = 0; i < names.length; i += 8) await Promise.all(names.slice(i, i + 8).map((name) => server.api('POST', '/apps', { name })));
}

async function latencies(call: () => Promise<unknown>, count: number): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = nowMs();
    await call();
    ms.push(nowMs() - t0);
  }
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

/** The supervisor, the API and the router together: what `berth server` costs. */
async function serverRss(server: BerthServer): Promise<number> {
  return (await server.serverPids()).reduce((sum, pid) => sum + rssBytes(pid), 0);
}

export async function runDensity(ctx: BenchContext): Promise<BenchResult> {
  const cleanup = new Cleanup();
  try {
    const server = await BerthServer.start(ctx.root);
    cleanup.add(() => server.stop());
    await sleep(2000);
    const idle = await serverRss(server);
    await createApps(server, 0, 100);
    await sleep(1000);
    const with100 = await serverRss(server);

    const dir = await server.fixtureCopy('node-hello', 'density');
    for (let i = 0; i < DEPLOYED; i++) await server.cliOk(['deploy', dir, '-a', `density-${i}`]);
    await sleep(3000);
    const instances = (await server.instances()).filter((i) => i.appName.startsWith('density-'));
    const perInstance = median(instances.map((i) => treeRssBytes(i.pid)));
    const withDeployed = await serverRss(server);

    const t0 = nowMs();
    await createApps(server, 100, 1000);
    const createMs = (nowMs() - t0) / 900;
    const list = await latencies(() => server.api('GET', '/apps', undefined, { Range: 'name ..; max=1000' }), 50);
    const firstPage = await latencies(() => server.api('GET', '/apps'), 50);
    const account = await latencies(() => server.api('GET', '/account'), 50);
    const with1000 = await serverRss(server);

    const { dir: plainDir } = await installFixture(ctx.root, 'node-hello');
    cleanup.add(() => rm(plainDir, { recursive: true, force: true }));
    const plain = await bootPlain(plainDir);
    await sleep(1000);
    const plainRss = rssBytes(plain.started.pid);
    await plain.started.stop();
    const available = memAvailableBytes();
    return {
      name: 'density', title: 'memory footprint and API latency with many apps',
      rows: [
        { metric: 'server RSS idle', berth: idle / MiB, unit: 'MiB' },
        { metric: 'server RSS with 100 apps', berth: with100 / MiB, unit: 'MiB' },
        { metric: `server RSS, 100 apps + ${DEPLOYED} running`, berth: withDeployed / MiB, unit: 'MiB' },
        { metric: 'server RSS with 1,000 apps', berth: with1000 / MiB, unit: 'MiB' },
        { metric: 'RSS per idle node-hello instance', berth: perInstance / MiB, peer: plainRss / MiB, peerName: 'plain node', unit: 'MiB', note: 'instance: init + npm start + node, summed' },
        { metric: 'idle instances that fit in MemAvailable', berth: Math.floor(available / perInstance), peer: Math.floor(available / plainRss), peerName: 'plain node', unit: 'instances', note: `MemAvailable ${Math.round(available / MiB)} MiB` },
        { metric: 'GET /apps, all 1,000 (Range max=1000) p50', berth: list.p50, peer: account.p50, peerName: 'GET /account', unit: 'ms' },
        { metric: 'GET /apps, all 1,000 (Range max=1000) p99', berth: list.p99, peer: account.p99, peerName: 'GET /account', unit: 'ms' },
        { metric: 'GET /apps, first page of 200 p50', berth: firstPage.p50, peer: account.p50, peerName: 'GET /account', unit: 'ms' },
        { metric: 'POST /apps (create), mean of 900', berth: createMs, unit: 'ms' },
      ],
      details: { idle, with100, withDeployed, with1000, perInstance, instances: instances.length, plainRss, available, list, firstPage, account },
    };
  } finally {
    await cleanup.run();
  }
}
