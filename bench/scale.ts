// Benchmark 3: ps:scale web=1 → 10 → 50 until every instance answers through the router, and the start
// of one instance, against spawning the same number of plain `node server.js` processes by hand; the
// start of one instance also on the docker runtime when an engine answers (rounds interleaved with local);
// and, as root, what an instance's own network namespace adds to its start and removal.
import { rm } from 'node:fs/promises';
import { BerthServer } from './lib/berth-server.js';
import type { BenchContext } from './lib/context.js';
import { dockerProblem } from './lib/docker-engine.js';
import { bootPlain, installFixture } from './lib/plain-node.js';
import { Cleanup } from './lib/processes.js';
import { timeSandboxNetwork } from './lib/sandbox-network.js';
import { median, nowMs, sleep } from './lib/stats.js';
import type { BenchResult, Row } from './lib/table.js';

/** Scales to `quantity` and returns the ms until that many distinct DYNO names have answered through the router. */
async function timeScale(server: BerthServer, app: string, quantity: number): Promise<number> {
  const t0 = nowMs();
  await server.scale(app, quantity);
  const seen = new Set<string>();
  const deadline = t0 + 180_000;
  while (seen.size < quantity) {
    if (nowMs() > deadline) throw new Error(`only ${seen.size} of ${quantity} instances answered within 180 s`);
    const replies = await Promise.all(Array.from({ length: quantity * 2 }, () => server.get(app, '/env/DYNO', 3000).catch(() => undefined)));
    for (const r of replies) if (r?.status === 200) seen.add(r.text.trim());
    if (seen.size < quantity) await sleep(20);
  }
  return nowMs() - t0;
}

async function waitForNoDynos(server: BerthServer, app: string): Promise<void> {
  const deadline = nowMs() + 60_000;
  while ((await server.dynos(app)).length > 0) {
    if (nowMs() > deadline) throw new Error(`${app} still has dynos 60 s after scaling to 0`);
    await sleep(50);
  }
}

/** Scale 0 → 1 until the first 200 through the router. */
async function timeStartOne(server: BerthServer, app: string): Promise<number> {
  await server.scale(app, 0);
  await waitForNoDynos(server, app);
  const t0 = nowMs();
  await server.scale(app, 1);
  return (await server.waitForReply(app, (r) => r.status === 200, 60_000)) - t0;
}

async function deployedServer(ctx: BenchContext, cleanup: Cleanup, app: string, runtime: 'local' | 'docker'): Promise<BerthServer> {
  const server = await BerthServer.start(ctx.root, {}, runtime);
  cleanup.add(() => server.stop());
  if (runtime === 'docker') await server.buildStack();
  await server.api('POST', '/apps', { name: app });
  await server.cliOk(['deploy', await server.fixtureCopy('node-hello', 'scale'), '-a', app]);
  return server;
}

export async function runScale(ctx: BenchContext): Promise<BenchResult> {
  const cleanup = new Cleanup();
  try {
    const app = 'scale';
    const server = await deployedServer(ctx, cleanup, app, 'local');
    const skipped = await dockerProblem();
    let docker: BerthServer | undefined;
    let dockerError: string | undefined;
    if (!skipped) docker = await deployedServer(ctx, cleanup, app, 'docker').catch((e: Error) => ((dockerError = e.stack ?? e.message), undefined));

    const startOne: number[] = [];
    const dockerOne: number[] = [];
    for (let i = 0; i < ctx.deploys; i++) {
      startOne.push(await timeStartOne(server, app));
      if (docker && !dockerError) dockerOne.push(await timeStartOne(docker, app).catch((e: Error) => ((dockerError ??= e.stack ?? e.message), NaN)));
    }
    // Scale-out is measured with the docker server (and its containers) gone.
    await docker?.stop();
    const to10 = await timeScale(server, app, 10);
    const to50 = await timeScale(server, app, 50);
    await server.scale(app, 1);

    const { dir } = await installFixture(ctx.root, 'node-hello');
    cleanup.add(() => rm(dir, { recursive: true, force: true }));
    const plainOne: number[] = [];
    for (let i = 0; i < ctx.deploys; i++) {
      const b = await bootPlain(dir);
      plainOne.push(b.ms);
      await b.started.stop();
    }
    const plainMany = async (count: number) => {
      const t0 = nowMs();
      const booted = await Promise.all(Array.from({ length: count }, () => bootPlain(dir)));
      const ms = nowMs() - t0;
      await Promise.all(booted.map((b) => b.started.stop()));
      return ms;
    };
    const network = await timeSandboxNetwork(Math.max(10, ctx.deploys * 4));
    const plain10 = await plainMany(10);
    const plain50 = await plainMany(50);
    const peer = 'plain node';
    const dockerRow: Row[] = docker
      ? [{ metric: 'start one instance on docker (scale 0→1 to first 200)', berth: median(dockerOne.filter(Number.isFinite)), peer: median(startOne), peerName: 'local', unit: 'ms', note: `ratio docker/local; plain node ${Math.round(median(plainOne))} ms` }]
      : [];
    const networkRows: Row[] = network
      ? [
        { metric: "instance network: namespace + veth + address (part of each start)", berth: median(network.attach), peer: median(network.bareAdd), peerName: 'ip netns add', unit: 'ms', note: 'two ip -batch runs; peer: a bare named namespace' },
        { metric: 'instance network: removal (part of each remove)', berth: median(network.detach), peer: median(network.bareDelete), peerName: 'ip netns delete', unit: 'ms' },
      ]
      : [];
    return {
      name: 'scale', title: 'scale-out and instance start (until every instance answers through the router)',
      rows: [
        { metric: 'start one instance (scale 0→1 to first 200)', berth: median(startOne), peer: median(plainOne), peerName: peer, unit: 'ms', note: 'plain: spawn node server.js to first 200' },
        ...dockerRow,
        ...networkRows,
        { metric: 'ps:scale web=1 → 10, all answering', berth: to10, peer: plain10, peerName: peer, unit: 'ms', note: 'plain: 10 spawned at once, all answering' },
        { metric: 'ps:scale web=10 → 50, all answering', berth: to50, peer: plain50, peerName: peer, unit: 'ms', note: 'plain: 50 spawned at once' },
      ],
      details: { startOne, dockerOne, dockerSkipped: skipped, plainOne, to10, to50, plain10, plain50, network },
      skipped: [skipped && `docker start-one: ${skipped}`, !network && 'instance network: not root (instances share the host network)'].filter(Boolean).join('; ') || undefined,
      error: dockerError ? `docker: ${dockerError}` : undefined,
    };
  } finally {
    await cleanup.run();
  }
}
