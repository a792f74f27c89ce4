// Benchmark: Berth on a fleet (issue 14). A 3-node swarm of containers on this machine
// (test/support/swarm-cluster) driven by a swarm-runtime server, beside a docker-runtime server on
// the same machine: deploys interleaved swarm/docker (the ratio is the cost of pushing to Berth's
// registry and of scheduling through the manager), then, on the swarm, a worker killed under load
// (seconds until all instances serve again, failed requests) and a node joining (seconds until
// rebalanced, failed requests). Figures only: nothing here asserts a timing.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { BerthServer } from './lib/berth-server.js';
import type { BenchContext } from './lib/context.js';
import { dockerProblem } from './lib/docker-engine.js';
import { Cleanup, freePort } from './lib/processes.js';
import { median, nowMs, sleep } from './lib/stats.js';
import type { BenchResult, Row } from './lib/table.js';
import { destroySwarmCluster, swarmCluster, swarmNodes, type SwarmCluster } from '../test/support/swarm-cluster.js';
import { allServing, RouterLoad, runningTasks, spread } from '../test/support/fleet-probe.js';

const WEB = 4;
/** One name per server: both build on this host's engine, where a destroyed app's images (berth-app/<name>) go with it. */
const APPS = { swarm: 'fleet-swarm', docker: 'fleet-docker' } as const;
const APP = APPS.swarm;

/** `berth deploy` of the fleet-probe fixture until the CLI returns (the release is live) and the router answers. */
async function timedDeploy(server: BerthServer, app: string, dir: string): Promise<number> {
  const t0 = nowMs();
  await server.cliOk(['deploy', dir, '-a', app]);
  await server.waitForReply(app, (r) => r.status === 200);
  return nowMs() - t0;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return nowMs();
    if (nowMs() > deadline) throw new Error(`${what} not within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

async function nodeLoss(cluster: SwarmCluster, server: BerthServer): Promise<{ backMs: number; failed: number; inFlight: number; requests: number }> {
  const manager = cluster.manager.engine;
  const victimName = (await runningTasks(manager, APP)).map((t) => t.nodeName).find((n) => n !== cluster.manager.name);
  const victim = cluster.nodes.find((n) => n.name === victimName);
  if (!victim) throw new Error('no worker runs an instance');
  const load = new RouterLoad(server.routerPort, APP);
  try {
    await sleep(2000);
    // The load's records are in wall-clock ms (Date.now), the timings in nowMs.
    const [killedAt, killedAtWall] = [nowMs(), Date.now()];
    await cluster.killNode(victim);
    const deadAtWall = Date.now();
    const backAt = await until(() => allServing(manager, APP, load, WEB, deadAtWall, victim.name), 120_000, 'all instances serving after the kill');
    await load.stop();
    return { backMs: backAt - killedAt, failed: load.failed().length, inFlight: load.inFlightAt(killedAtWall), requests: load.records.length };
  } finally {
    await load.stop();
  }
}

async function rebalance(cluster: SwarmCluster, server: BerthServer): Promise<{ joinMs: number; balancedMs: number; failed: number; requests: number }> {
  const manager = cluster.manager.engine;
  const load = new RouterLoad(server.routerPort, APP);
  try {
    const t0 = nowMs();
    await cluster.addNode();
    const joinedAt = nowMs();
    const balanced = async () => {
      const counts = spread(await runningTasks(manager, APP));
      const active = (await manager.listNodes()).filter((n) => n.Status?.State === 'ready' && n.Spec?.Availability === 'active');
      const per = active.map((n) => counts.get(n.Description?.Hostname ?? '') ?? 0);
      return per.reduce((a, b) => a + b, 0) === WEB && Math.max(...per) - Math.min(...per) <= 1;
    };
    const balancedAt = await until(balanced, 180_000, 'the instances rebalanced onto the new node');
    const since = Date.now();
    await until(() => allServing(manager, APP, load, WEB, since), 30_000, 'every instance answering after the rebalance');
    await load.stop();
    return { joinMs: joinedAt - t0, balancedMs: balancedAt - joinedAt, failed: load.failed().length, requests: load.records.length };
  } finally {
    await load.stop();
  }
}

export async function runFleet(ctx: BenchContext): Promise<BenchResult> {
  const title = `a fleet: deploy on a 3-node swarm vs docker, node loss and join under load (web=${WEB})`;
  const missing = (await dockerProblem()) ?? swarmNodes.check();
  if (missing) return { name: 'fleet', title, rows: [], details: {}, skipped: missing };
  const cleanup = new Cleanup();
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  let registryAddress = '';
  try {
    const t0 = nowMs();
    const cluster = await swarmCluster(3);
    cleanup.add(() => destroySwarmCluster());
    details.clusterStartMs = nowMs() - t0;
    const gateway = cluster.registry.address.slice(0, cluster.registry.address.lastIndexOf(':'));
    registryAddress = `${gateway}:${await freePort()}`;
    cleanup.add(() => rm(join('/etc/docker/certs.d', registryAddress), { recursive: true, force: true }));
    const swarm = await BerthServer.start(ctx.root, { BERTH_SWARM_MANAGER: `tcp://${cluster.manager.address}:2375`, BERTH_SWARM_REGISTRY: registryAddress, BERTH_BOOT_TIMEOUT: '60' }, 'swarm');
    cleanup.add(() => swarm.stop());
    await cluster.trust(registryAddress, await readFile(join(swarm.home, 'registry', 'ca', 'ca.crt'), 'utf8'));
    const docker = await BerthServer.start(ctx.root, { BERTH_BOOT_TIMEOUT: '60' }, 'docker');
    cleanup.add(() => docker.stop());

    const servers = { swarm, docker };
    const times: Record<'swarm' | 'docker', number[]> = { swarm: [], docker: [] };
    for (const runtime of ['swarm', 'docker'] as const) await servers[runtime].api('POST', '/apps', { name: APPS[runtime] });
    const dir = join(ctx.root, 'test', 'fixtures', 'apps', 'fleet-probe');
    // Round 0 is the cold build (no cache) on each; the ratio is over the warm rounds after it.
    for (let round = 0; round <= ctx.deploys; round++) {
      for (const runtime of ['swarm', 'docker'] as const) {
        const ms = await timedDeploy(servers[runtime], APPS[runtime], dir);
        if (round > 0) times[runtime].push(ms);
        else details[`${runtime}ColdDeployMs`] = ms;
      }
    }
    details.deploys = times;
    rows.push({ metric: 'deploy (warm), until routed', berth: median(times.swarm), peer: median(times.docker), peerName: 'docker runtime', unit: 'ms', note: `median of ${ctx.deploys}, interleaved; swarm pushes to Berth's registry and nodes pull` });
    await docker.stop();

    try {
      // Slots start one after another, each waiting for its task to run: minutes on a loaded machine.
      const t1 = nowMs();
      await swarm.scale(APP, WEB);
      await until(async () => (await runningTasks(cluster.manager.engine, APP)).length === WEB, 300_000, `${WEB} running instances`);
      rows.push({ metric: `scale web=1 -> ${WEB}: all running`, berth: (nowMs() - t1) / 1000, unit: 's' });
      const loss = await nodeLoss(cluster, swarm);
      details.nodeLoss = loss;
      rows.push({ metric: 'node killed: all instances serving again', berth: loss.backMs / 1000, unit: 's', note: 'issue bound: 30 s' });
      rows.push({ metric: 'node killed: failed requests', berth: loss.failed, unit: `of ${loss.requests}`, note: `4 clients in a closed loop; ${loss.inFlight} in flight at the kill` });
    } catch (e) {
      details.nodeLossError = (e as Error).message;
    }
    try {
      const join = await rebalance(cluster, swarm);
      details.rebalance = join;
      rows.push({ metric: 'node joined: rebalanced (max-min <= 1)', berth: join.balancedMs / 1000, unit: 's', note: `after the node was ready (joining took ${(join.joinMs / 1000).toFixed(1)} s)` });
      rows.push({ metric: 'node joined: failed requests', berth: join.failed, unit: `of ${join.requests}`, note: 'issue bound: 0' });
    } catch (e) {
      details.rebalanceError = (e as Error).message;
    }
    const errors = [details.nodeLossError, details.rebalanceError].filter(Boolean);
    return { name: 'fleet', title, rows, details, ...(errors.length ? { error: errors.join('\n') } : {}) };
  } finally {
    await cleanup.run();
    const host = new Docker();
    // The swarm app's images on this host (its destroy waits on an instance of the dead node) and their registry tags.
    const references = [`berth-app/${APPS.swarm}*`, ...(registryAddress ? [`${registryAddress}/*/*`] : [])];
    {
      for (const image of await host.listImages({ filters: { reference: references } })) {
        for (const tag of image.RepoTags ?? []) await host.getImage(tag).remove({ force: true }).catch(() => undefined);
      }
    }
  }
}
