// The move path on a real swarm (test/support/swarm-cluster, 2 nodes): a web app of 2 instances, the
// node of web.1 drained while requests go to the routed instances; the balancer marks its instances,
// the reconciler replaces them start-new-before-stop-old, the drain finishes, and no request fails.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { SLUG_IMAGE_LABEL } from '../domain/image-conventions.js';
import { followProgress } from '../build/docker/engine-progress.js';
import { packFiles } from '../build/docker/pack-files.js';
import { STACK_IMAGE } from '../build/docker/stack-image.js';
import { systemClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { SCOPE_LABEL } from '../runtime/docker/docker-runtime.js';
import { ImagePublisher } from '../runtime/swarm/image-publisher.js';
import { SwarmFleet } from '../runtime/swarm/swarm-fleet.js';
import { SwarmRuntime } from '../runtime/swarm/swarm-runtime.js';
import { ECHO_SERVER_JS } from '../runtime/runtime.contract.js';
import { PlatformEvents } from '../services/platform-events.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { describeWith } from '../../test/support/require-dependency.js';
import { STACK_BUILD_TIMEOUT_MS } from '../../test/support/docker-engine.js';
import { swarmCluster, swarmNodes, type SwarmCluster } from '../../test/support/swarm-cluster.js';
import { FleetBalancer } from './fleet-balancer.js';
import { tcpProbe } from './port-probe.js';
import { Reconciler } from './reconciler.js';
import { RolloutRecorder } from './rollout-recorder.js';
import { RecordingRoutes } from './testing/health-world.js';

const docker = new Docker();
describeWith(swarmNodes, 'fleet balancer on a swarm', () => {
  let cluster: SwarmCluster;
  beforeAll(async () => {
    cluster = await swarmCluster(3);
  }, STACK_BUILD_TIMEOUT_MS);

  it("moves a draining node's instances to the other node, start new before stop old, with 0 failed requests, then drains it", async () => {
    const scope = `t${randomBytes(4).toString('hex')}`;
    const tag = `berth-test/${scope}:1`;
    const dir = mkdtempSync(join(tmpdir(), 'berth-balancer-'));
    const store = new SqliteStore(join(dir, 'berth.sqlite'), systemClock);
    const runtime = new SwarmRuntime({ manager: cluster.manager.engine, local: docker, images: new ImagePublisher(docker, cluster.registry.address), logger: silentLogger, scope, stopGraceMs: 2000 });
    const fleet = new SwarmFleet({ manager: cluster.manager.engine, scope, registry: cluster.registry, usage: { used: () => null }, logger: silentLogger });
    const availability = async (name: string) => (await fleet.nodes()).find((n) => n.name === name)?.availability;
    let drained: string | undefined;
    const load = { ok: 0, failed: [] as string[], stop: false };
    try {
      const context = packFiles({
        Dockerfile: `FROM ${STACK_IMAGE}\nCOPY --chown=1000:1000 app/ /app/\nLABEL ${SCOPE_LABEL}=test ${SLUG_IMAGE_LABEL.join('=')}\n`,
        'app/server.js': ECHO_SERVER_JS,
      });
      await followProgress(await docker.buildImage(context, { t: tag, rm: true }), () => {});
      const user = await store.users.create({ email: 'ada@example.com', passwordHash: 'h', isAdmin: false });
      const app = await store.apps.create({ name: `demo-${scope}`, ownerId: user.id, stack: 'berth-24' });
      const slug = await store.slugs.create({ appId: app.id, location: tag, processTypes: { web: 'node server.js' }, buildpackDescription: 'Node.js', commit: null, sizeBytes: 1 });
      await store.releases.create({ appId: app.id, description: 'Deploy', current: true, slugId: slug.id, config: {}, userId: user.id });
      await store.formation.upsert(app.id, 'web', { quantity: 2 });

      const routes = new RecordingRoutes();
      const appLog: string[] = [];
      const sink = { write: (_a: string, _s: string, dyno: string, message: string) => void appLog.push(`${dyno}: ${message}`) };
      const rollouts = new RolloutRecorder({ store, events: new PlatformEvents(), appLog: sink, logger: silentLogger });
      let balancer: FleetBalancer | undefined;
      const reconciler = new Reconciler({
        store, runtime, routes, appLog: sink, clock: systemClock, logger: silentLogger, probe: tcpProbe, rollouts, drainMs: 1000,
        moves: { moveOf: (id) => balancer?.moveOf(id) },
      });
      balancer = new FleetBalancer({ fleet, runtime, wake: () => undefined, clock: systemClock, logger: silentLogger });
      const backends = () => routes.current.get(app.name)?.backends ?? [];
      /** One balancer pass and one reconcile, until `done` or the bound. */
      const until = async (done: () => Promise<boolean>, boundMs: number, each: () => void = () => undefined) => {
        const deadline = Date.now() + boundMs;
        while (!(await done())) {
          if (Date.now() > deadline) throw new Error(`not done within ${boundMs} ms; app log:\n${appLog.join('\n')}`);
          await balancer!.pass();
          await reconciler.reconcile(app.id);
          each();
          await new Promise((r) => setTimeout(r, 300));
        }
      };
      await until(async () => backends().length === 2, 180_000);

      // Requests go on the whole time, each to a routed instance, as the router sends them.
      const requests = (async () => {
        for (let n = 0; !load.stop; n++) {
          const list = backends();
          const b = list[n % list.length];
          if (!b) { load.failed.push('no backend'); await new Promise((r) => setTimeout(r, 50)); continue; }
          try {
            const res = await fetch(`http://${b.host}:${b.port}/`, { signal: AbortSignal.timeout(5000) });
            await res.text();
            if (res.ok) load.ok++;
            else load.failed.push(`${b.dyno}: ${res.status}`);
          } catch (e) {
            load.failed.push(`${b.dyno}: ${(e as Error).message}`);
          }
        }
      })();

      const web1 = (await runtime.list({ appId: app.id })).find((i) => i.status === 'running' && i.name === 'web.1')!;
      drained = web1.node!.name;
      const movedAway = (await runtime.list({ appId: app.id })).filter((i) => i.status === 'running' && i.node?.name === drained).map((i) => i.name).sort();
      await fleet.drain(drained);
      await until(async () => (await availability(drained!)) === 'drain', 240_000, () => expect(backends()).toHaveLength(2));
      load.stop = true;
      await requests;

      const running = (await runtime.list({ appId: app.id })).filter((i) => i.status === 'running');
      expect(running.map((i) => i.name).sort()).toEqual(['web.1', 'web.2']);
      expect(running.filter((i) => i.node?.name === drained)).toEqual([]);
      for (const dyno of movedAway) expect(appLog).toContain(`${dyno}: Moving ${dyno} from ${drained} to another node (${drained} is draining)`);
      expect(appLog.filter((l) => l.includes('crashed'))).toEqual([]);
      expect(load.failed).toEqual([]);
      expect(load.ok).toBeGreaterThan(0);
    } finally {
      load.stop = true;
      if (drained) await fleet.activate(drained).catch(() => undefined);
      runtime.detach();
      const label = [`${SCOPE_LABEL}=${scope}`];
      for (const s of await cluster.manager.engine.listServices({ filters: { label } })) await cluster.manager.engine.getService(s.ID).remove().catch(() => undefined);
      for (const n of await cluster.manager.engine.listNetworks({ filters: { label } })) await cluster.manager.engine.getNetwork(n.Id).remove().catch(() => undefined);
      await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
