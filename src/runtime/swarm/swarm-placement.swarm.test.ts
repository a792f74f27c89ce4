// Placement and node loss on a real swarm of containers (test/support/swarm-cluster): instances of
// one type spread over the nodes, a size no node can hold refused with what is missing, and an
// instance whose node is lost reported exited (lost), removable while the node is down, and never
// run twice when the node comes back. A node is added for the loss: losing one of the shared three
// would break the other suites of this process.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { isBerthError } from '../../domain/errors.js';
import { SLUG_IMAGE_LABEL } from '../../domain/image-conventions.js';
import { findSize } from '../../domain/sizes.js';
import { silentLogger } from '../../platform/logger.js';
import { followProgress } from '../../build/docker/engine-progress.js';
import { packFiles } from '../../build/docker/pack-files.js';
import { STACK_IMAGE } from '../../build/docker/stack-image.js';
import { describeWith } from '../../../test/support/require-dependency.js';
import { STACK_BUILD_TIMEOUT_MS } from '../../../test/support/docker-engine.js';
import { swarmCluster, swarmNodes, type SwarmCluster, type SwarmNode } from '../../../test/support/swarm-cluster.js';
import { ECHO_SERVER_JS, eventually, specFor } from '../runtime.contract.js';
import type { Instance } from '../runtime.js';
import { SCOPE_LABEL } from '../docker/docker-runtime.js';
import { ImagePublisher } from './image-publisher.js';
import { SwarmRuntime } from './swarm-runtime.js';

const docker = new Docker();
/** The bound from a node's death to its instances routed again; Swarm's noticing is the most of it. */
const LOSS_BOUND_MS = 30_000;

describeWith(swarmNodes, 'swarm placement and node loss', () => {
  let cluster: SwarmCluster;
  let runtime: SwarmRuntime;
  let slug: string;
  const scope = `p${randomBytes(4).toString('hex')}`;
  const app = (name: string) => ({ appId: `app-${name}-${scope}`, appName: `${name}-${scope}` });

  beforeAll(async () => {
    cluster = await swarmCluster(3);
    runtime = new SwarmRuntime({
      manager: cluster.manager.engine, local: docker, images: new ImagePublisher(docker, cluster.registry.address),
      logger: silentLogger, scope, stopGraceMs: 1000,
    });
    slug = `berth-test/${scope}:1`;
    const context = packFiles({
      Dockerfile: `FROM ${STACK_IMAGE}\nCOPY --chown=1000:1000 app/ /app/\nLABEL ${SCOPE_LABEL}=test ${SLUG_IMAGE_LABEL.join('=')}\n`,
      'app/server.js': ECHO_SERVER_JS,
    });
    await followProgress(await docker.buildImage(context, { t: slug, rm: true }), () => {});
  }, STACK_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    runtime?.detach();
    const label = [`${SCOPE_LABEL}=${scope}`];
    for (const s of await cluster.manager.engine.listServices({ filters: { label } }).catch(() => [])) await cluster.manager.engine.getService(s.ID).remove().catch(() => undefined);
    for (const n of await cluster.manager.engine.listNetworks({ filters: { label } }).catch(() => [])) await cluster.manager.engine.getNetwork(n.Id).remove().catch(() => undefined);
    await docker.getImage(slug).remove({ force: true }).catch(() => undefined);
  }, 120_000);

  const startWeb = (name: string, index: number, size = 'basic') => runtime.start(specFor(slug, { ...app(name), index, size: findSize(size)! }));
  const removeAll = async (instances: Instance[]) => {
    for (const i of instances) {
      await runtime.stop(i.id);
      await runtime.remove(i.id);
    }
  };

  it('spreads 4 instances of one process type over the 3 nodes: at most 2 on a node, at least 2 nodes', async () => {
    const instances: Instance[] = [];
    try {
      for (let i = 1; i <= 4; i++) instances.push(await startWeb('spread', i));
      const perNode = new Map<string, number>();
      for (const i of instances) perNode.set(i.node!.name, (perNode.get(i.node!.name) ?? 0) + 1);
      expect(perNode.size).toBe(3);
      expect(Math.max(...perNode.values())).toBe(2);
      // What Swarm was told: run there and nowhere else, with the size reserved and the same limits.
      const service = await cluster.manager.engine.getService(instances[0]!.id).inspect();
      expect(service.Spec.TaskTemplate.Placement.Constraints).toEqual([`node.id==${instances[0]!.node!.id}`]);
      expect(service.Spec.TaskTemplate.Resources).toMatchObject({
        Reservations: { NanoCPUs: 0.5e9, MemoryBytes: 512 * 1024 ** 2 },
        Limits: { NanoCPUs: 0.5e9, MemoryBytes: 512 * 1024 ** 2 },
      });
    } finally {
      await removeAll(instances);
    }
  }, 240_000);

  it('refuses a size bigger than any node, naming what it needs and what each node has free', async () => {
    const start = startWeb('huge', 1, 'performance-l');
    const error = await start.then(() => undefined, (e: unknown) => e);
    expect(isBerthError(error) && error.code).toBe('start_refused');
    expect((error as Error).message).toMatch(/^web\.1 needs 8 CPU and 14 GB; no node has that free: (berth-swarm-\S+ has [\d.]+ CPU and [\d.]+ [GM]B free(, |$))+/);
    expect(await runtime.list({ appId: app('huge').appId })).toEqual([]);
    // Nothing of the app is left on the swarm: the overlay network made for it went with the refusal.
    expect(await cluster.manager.engine.listNetworks({ filters: { name: [`berth-${app('huge').appName}`] } })).toEqual([]);
  }, 120_000);

  // One lost node for both halves of node loss (a node costs the suite half a minute): frozen, not
  // killed, so that after the loss it can come back with its old container still there.
  it('reports an instance on a lost node exited (lost with the node) within the bound and removes it while the node is down; when the node comes back, its old container is stopped, never run twice', async () => {
    const flaky = await cluster.addNode();
    const instances: Instance[] = [];
    const exits: Instance[] = [];
    const unsubscribe = runtime.onExit((i) => exits.push(i));
    try {
      // Four nodes now, one instance each: one of them is on the new node.
      for (let i = 1; i <= 4; i++) instances.push(await startWeb('loss', i));
      const victim = instances.find((i) => i.node?.name === flaky.name)!;
      expect(victim).toBeDefined();
      const containerOf = async (node: SwarmNode) => (await node.engine.listContainers({ filters: { label: [`com.docker.swarm.service.id=${victim.id}`] } }));
      expect(await containerOf(flaky)).toHaveLength(1);
      // The machine is cut off with its container still running.
      const lostAt = Date.now();
      await flaky.container.pause();
      try {
        const lost = await eventually(async () => {
          const seen = await runtime.inspect(victim.id);
          return seen?.status === 'exited' ? seen : undefined;
        }, LOSS_BOUND_MS);
        process.stderr.write(`[swarm-placement] node lost → its instance reported exited after ${((Date.now() - lostAt) / 1000).toFixed(1)} s\n`);
        expect(lost).toMatchObject({ status: 'exited', exitCode: null, address: null, lostWith: flaky.name });
        await eventually(async () => (exits.some((i) => i.id === victim.id && i.lostWith === flaky.name) ? true : undefined), 5000);
        const listed = await runtime.list({ appId: app('loss').appId });
        expect(listed.find((i) => i.id === victim.id)?.status).toBe('exited');
        expect(listed.filter((i) => i.status === 'running')).toHaveLength(3);
        // Its replacement goes to a live node.
        const replacement = await startWeb('loss', victim.index);
        instances.push(replacement);
        expect(replacement.node?.name).not.toBe(flaky.name);
        await runtime.remove(victim.id);
        expect(await runtime.inspect(victim.id)).toBeUndefined();
      } finally {
        await flaky.container.unpause();
      }
      // Back: the manager tells the node its task is gone, and the node stops the old container.
      await eventually(async () => ((await cluster.manager.engine.listNodes()).find((n) => n.Description?.Hostname === flaky.name)?.Status?.State === 'ready' ? true : undefined), 60_000);
      await eventually(async () => ((await containerOf(flaky)).length === 0 ? true : undefined), 60_000);
    } finally {
      unsubscribe();
      await removeAll(instances.filter((i) => i.node?.name !== flaky.name));
    }
  }, 300_000);
});
