// Benchmark 5: constant open-loop load across consecutive deploys: failed requests (should be 0) and the
// p99 during deploys against outside them; a naive stop-then-start restart under the same load beside it.
import { rm } from 'node:fs/promises';
import { BerthServer } from './lib/berth-server.js';
import type { BenchContext } from './lib/context.js';
import { startOpenLoad, summarize, type Sample } from './lib/open-load.js';
import { bootPlain, installFixture } from './lib/plain-node.js';
import { Cleanup } from './lib/processes.js';
import { nowMs, sleep } from './lib/stats.js';
import type { BenchResult } from './lib/table.js';

const RATE = 500;
const DEPLOYS = 10;
/** Requests sent this long after a deploy returned still count as "during". */
const TAIL_MS = 500;

export async function runRelease(ctx: BenchContext): Promise<BenchResult> {
  const cleanup = new Cleanup();
  try {
    const server = await BerthServer.start(ctx.root);
    cleanup.add(() => server.stop());
    const app = 'zero-downtime';
    await server.api('POST', '/apps', { name: app });
    const dir = await server.fixtureCopy('node-hello', 'r0');
    await server.cliOk(['deploy', dir, '-a', app]);
    await server.waitForReply(app, (r) => r.status === 200);

    const load = startOpenLoad({ port: server.routerPort, host: `${app}.localhost`, rate: RATE, timeoutMs: 10_000 });
    const windows: [number, number][] = [];
    let samples: Sample[];
    try {
      await sleep(3000);
      for (let i = 1; i <= DEPLOYS; i++) {
        await server.setMarker(dir, `r${i}`);
        const t0 = nowMs();
        await server.cliOk(['deploy', dir, '-a', app]);
        windows.push([t0, nowMs() + TAIL_MS]);
        await sleep(2000);
      }
    } finally {
      samples = await load.stop();
    }
    const during = samples.filter((s) => windows.some(([a, b]) => s.t >= a && s.t <= b));
    const outside = samples.filter((s) => !windows.some(([a, b]) => s.t >= a && s.t <= b));
    const d = summarize(during);
    const o = summarize(outside);

    // Peer: the same load against a plain node process restarted by stopping it and starting it again.
    const { dir: plainDir } = await installFixture(ctx.root, 'node-hello');
    cleanup.add(() => rm(plainDir, { recursive: true, force: true }));
    let plain = await bootPlain(plainDir);
    const port = plain.port;
    const naive = startOpenLoad({ port, host: 'localhost', rate: RATE, timeoutMs: 10_000 });
    try {
      await sleep(1000);
      for (let i = 0; i < DEPLOYS; i++) {
        await plain.started.stop();
        plain = await bootPlain(plainDir, {}, port);
        await sleep(300);
      }
    } finally {
      await naive.stop();
      await plain.started.stop();
    }
    const n = summarize(naive.samples);
    return {
      name: 'release', title: `zero-downtime release: ${RATE} req/s open loop across ${DEPLOYS} consecutive deploys`,
      rows: [
        { metric: `failed requests across ${DEPLOYS} deploys`, berth: d.failed + o.failed, peer: n.failed, peerName: 'naive restart', unit: 'requests', note: `of ${samples.length}; must be 0; peer: plain node stopped and started ${DEPLOYS}×` },
        { metric: 'p99 during deploys', berth: d.p99Ms, peer: o.p99Ms, peerName: 'outside deploys', unit: 'ms' },
        { metric: 'p50 during deploys', berth: d.p50Ms, peer: o.p50Ms, peerName: 'outside deploys', unit: 'ms' },
      ],
      details: { during: d, outside: o, naive: n, windows: windows.length },
    };
  } finally {
    await cleanup.run();
  }
}
