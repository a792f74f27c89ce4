// The swarm driver against a 3-node swarm of containers on this machine (test/support/swarm-cluster):
// the nodes and Berth's registry first, then the shared runtime contract. Stats come from Berth's
// node meter (one for the suite), as they do in a server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { SLUG_IMAGE_LABEL } from '../../domain/image-conventions.js';
import { systemClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { followProgress } from '../../build/docker/engine-progress.js';
import { packFiles } from '../../build/docker/pack-files.js';
import { STACK_IMAGE } from '../../build/docker/stack-image.js';
import { describeWith } from '../../../test/support/require-dependency.js';
import { STACK_BUILD_TIMEOUT_MS } from '../../../test/support/docker-engine.js';
import { pullOn, swarmCluster, swarmNodes, type SwarmCluster } from '../../../test/support/swarm-cluster.js';
import { collect, ECHO_SERVER_JS, eventually, runtimeContract, specFor, type RuntimeHarness } from '../runtime.contract.js';
import { SCOPE_LABEL } from '../docker/docker-runtime.js';
import { ImagePublisher } from './image-publisher.js';
import { NodeMeter, removeNodeMeter } from './node-meter.js';
import { SwarmRuntime } from './swarm-runtime.js';

const docker = new Docker();

async function imageWith(files: Record<string, string>, tag: string): Promise<string> {
  const context = packFiles({
    Dockerfile: `FROM ${STACK_IMAGE}\nCOPY --chown=1000:1000 app/ /app/\nLABEL ${SCOPE_LABEL}=test ${SLUG_IMAGE_LABEL.join('=')}\n`,
    ...Object.fromEntries(Object.entries(files).map(([name, text]) => [`app/${name}`, text])),
  });
  await followProgress(await docker.buildImage(context, { t: tag, rm: true }), () => {});
  return tag;
}

describeWith(swarmNodes, 'swarm runtime', () => {
  let cluster: SwarmCluster;
  let meter: NodeMeter;
  const metering = new AbortController();
  const meterScope = `m${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    cluster = await swarmCluster(3);
    const image = await new ImagePublisher(docker, cluster.registry.address).publish(STACK_IMAGE);
    // A reading a second, so a new task has figures a second or two after it runs; its disk every two.
    meter = new NodeMeter({ manager: cluster.manager.engine, scope: meterScope, image: async () => image, clock: systemClock, logger: silentLogger, intervalSeconds: 1, diskIntervalSeconds: 2 });
    meter.start(metering.signal).catch(() => undefined);
    // Every node's meter task running and read: a test that then finds no stats is about the task, not the meter.
    const nodeIds = (await cluster.manager.engine.listNodes()).map((n) => n.ID!);
    await eventually(async () => (nodeIds.every((id) => meter.used(id) !== null) ? true : undefined), 120_000);
  }, STACK_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    metering.abort();
    if (cluster) await removeNodeMeter(cluster.manager.engine, meterScope);
  }, 60_000);

  describe('nodes and the registry', () => {
    it('forms a swarm of three ready nodes, one manager', async () => {
      const nodes = await cluster.manager.engine.listNodes();
      expect(nodes.map((n) => n.Status?.State)).toEqual(['ready', 'ready', 'ready']);
      expect(nodes.filter((n) => n.Spec?.Role === 'manager')).toHaveLength(1);
    });

    it("has a node pull an app image from Berth's registry over verified TLS, which it cannot without the CA", async () => {
      const tag = `berth-test/swarm-pull-${randomBytes(3).toString('hex')}:1`;
      await imageWith({ 'hello.txt': 'hi' }, tag);
      try {
        const ref = await new ImagePublisher(docker, cluster.registry.address).publish(tag);
        expect(ref.startsWith(`${cluster.registry.address}/`)).toBe(true);
        const node = cluster.nodes[2]!;
        const pull = () => pullOn(node.engine, ref);
        await pull();
        expect((await node.engine.getImage(ref).inspect()).Id).toBe((await docker.getImage(tag).inspect()).Id);
        await node.engine.getImage(ref).remove({ force: true });
        // Without the CA the node refuses the registry's certificate (no insecure-registries anywhere).
        const trust = `/etc/docker/certs.d/${cluster.registry.address}`;
        await run(node, ['mv', trust, `${trust}.off`]);
        try {
          await expect(pull()).rejects.toThrow(/certificate|x509/i);
        } finally {
          await run(node, ['mv', `${trust}.off`, trust]);
        }
      } finally {
        await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
      }
    });
  });

  describe('hardening of a task on its node', () => {
    it('runs as a non-root user with no capabilities, NoNewPrivs, a read-only root and a writable /tmp and /app', async () => {
      const harness = await makeHarness();
      try {
        const slug = await harness.makeSlug({ 'server.js': ECHO_SERVER_JS });
        const probe = 'id -u; grep -E "^(CapEff|NoNewPrivs):" /proc/self/status; touch /etc/x 2>/dev/null && echo etc-writable; echo t > /tmp/t && echo tmp-ok; echo a > /app/a && echo app-ok';
        const instance = await harness.runtime.start(specFor(slug, { processType: 'worker', command: probe }));
        await eventually(async () => ((await harness.runtime.inspect(instance.id))?.status === 'exited' ? true : undefined), 60_000);
        const lines = await collect(harness.runtime.logs(instance.id, { follow: false }));
        expect(lines).toEqual(['1000', 'CapEff:\t0000000000000000', 'NoNewPrivs:\t1', 'tmp-ok', 'app-ok']);
      } finally {
        for (const i of await harness.runtime.list()) await harness.runtime.remove(i.id);
        await harness.cleanup();
      }
    }, 120_000);
  });

  describe('stats of tasks on every node', () => {
    it("reports CPU, resident memory and the size's limit for tasks on nodes other than the manager", async () => {
      const harness = await makeHarness();
      try {
        const slug = await harness.makeSlug({ 'server.js': ECHO_SERVER_JS });
        // Three of one process type spread over the three nodes: two run where Berth has no engine.
        const started = [];
        for (const index of [1, 2, 3]) started.push(await harness.runtime.start(specFor(slug, { index })));
        const elsewhere = started.filter((i) => i.node && i.node.name !== cluster.manager.name);
        expect(elsewhere.length).toBeGreaterThanOrEqual(1);
        const limit = specFor(slug).size.memoryMb * 1024 ** 2;
        for (const instance of elsewhere) {
          const stats = await eventually(() => harness.runtime.stats(instance.id), 30_000);
          expect(stats.memoryBytes, instance.node!.name).toBeGreaterThan(1024 ** 2);
          expect(stats.memoryBytes, instance.node!.name).toBeLessThan(limit);
          expect(stats.memoryLimitBytes, instance.node!.name).toBe(limit);
          expect(stats.cpuSeconds, instance.node!.name).toBeGreaterThan(0);
        }
        // Stopped, it has no figures: the sampler skips it rather than record its last ones again.
        const [first] = elsewhere as [typeof elsewhere[0]];
        await harness.runtime.stop(first.id);
        expect(await harness.runtime.stats(first.id)).toBeUndefined();
      } finally {
        for (const i of await harness.runtime.list()) await harness.runtime.remove(i.id);
        await harness.cleanup();
      }
    }, 300_000);
  });

  describe("the size's disk on every node", () => {
    it('stops an instance whose /app grows past its size\'s disk, says so on the exit, and leaves one within it running', async () => {
      const harness = await makeHarness();
      try {
        const slug = await harness.makeSlug({ 'server.js': ECHO_SERVER_JS });
        const small = { ...specFor(slug).size, diskMb: 16 };
        // 40 MB of data that takes blocks, written where the app's own files are; then it waits to be stopped.
        const fill = 'head -c 40000000 /dev/urandom > /app/fill && echo filled; exec sleep 600';
        const within = 'head -c 4000000 /dev/urandom > /app/fill && echo filled; exec sleep 600';
        const over = await harness.runtime.start(specFor(slug, { processType: 'worker', index: 1, command: fill, size: small }));
        const under = await harness.runtime.start(specFor(slug, { processType: 'worker', index: 2, command: within, size: small }));
        const exited = await eventually(async () => {
          const i = await harness.runtime.inspect(over.id);
          return i?.status === 'exited' ? i : undefined;
        }, 90_000);
        expect(exited.diskExceeded?.limitBytes).toBe(16 * 1024 ** 2);
        expect(exited.diskExceeded?.usedBytes).toBeGreaterThan(40_000_000);
        expect(exited.exitCode).not.toBe(0);
        // The one within its disk is read too (a reading of its 4 MB, under the limit), and keeps running.
        await eventually(async () => ((await collect(harness.runtime.logs(under.id, { follow: false }))).includes('filled') ? true : undefined), 30_000);
        await new Promise<void>((resolve) => {
          const stop = meter.onDiskReading((r) => {
            if (r.bytes < 4_000_000 || r.bytes > 16 * 1024 ** 2) return;
            stop();
            resolve();
          });
        });
        expect((await harness.runtime.inspect(under.id))?.status).toBe('running');
      } finally {
        for (const i of await harness.runtime.list()) await harness.runtime.remove(i.id);
        await harness.cleanup();
      }
    }, 240_000);
  });

  runtimeContract('swarm', () => makeHarness());

  async function makeHarness(): Promise<RuntimeHarness> {
    const scope = `t${randomBytes(4).toString('hex')}`;
    const runtime = new SwarmRuntime({
      manager: cluster.manager.engine, local: docker, images: new ImagePublisher(docker, cluster.registry.address),
      containerStats: meter, containerDisks: meter,
      logger: silentLogger, scope, stopGraceMs: 2000,
    });
    const images: string[] = [];
    return {
      runtime,
      async makeSlug(files) {
        const tag = await imageWith(files, `berth-test/${scope}:${images.length + 1}`);
        images.push(tag);
        return tag;
      },
      async cleanup() {
        runtime.detach();
        const label = [`${SCOPE_LABEL}=${scope}`];
        for (const s of await cluster.manager.engine.listServices({ filters: { label } })) await cluster.manager.engine.getService(s.ID).remove().catch(() => undefined);
        for (const c of await cluster.manager.engine.listContainers({ all: true, filters: { label } })) await cluster.manager.engine.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
        for (const n of await cluster.manager.engine.listNetworks({ filters: { label } })) await cluster.manager.engine.getNetwork(n.Id).remove().catch(() => undefined);
        for (const image of images) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
      },
    };
  }
});

/** Runs argv in a node container (not through a shell). */
async function run(node: { container: Docker.Container }, argv: string[]): Promise<void> {
  const exec = await node.container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  await new Promise((resolve) => { stream.on('end', resolve); stream.on('error', resolve); stream.resume(); });
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) throw new Error(`${argv.join(' ')} exited ${ExitCode}`);
}
