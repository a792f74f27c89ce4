// SwarmFleet on the real 3-node swarm of containers (test/support/swarm-cluster): what `berth nodes`
// reports against each node's own engine, the use every node's meter reports through the manager,
// drain and activate as the scheduler sees them, removal of a node that died (one added for the
// purpose, so the shared three stay), and the join command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { STACK_IMAGE } from '../../build/docker/stack-image.js';
import { systemClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { describeWith } from '../../../test/support/require-dependency.js';
import { STACK_BUILD_TIMEOUT_MS } from '../../../test/support/docker-engine.js';
import { swarmCluster, swarmNodes, type SwarmCluster } from '../../../test/support/swarm-cluster.js';
import { eventually } from '../runtime.contract.js';
import { LABEL } from '../docker/container-labels.js';
import { SCOPE_LABEL } from '../docker/docker-runtime.js';
import { ImagePublisher } from './image-publisher.js';
import { NodeMeter, removeNodeMeter } from './node-meter.js';
import { SwarmFleet } from './swarm-fleet.js';

const MiB = 1024 ** 2;

describeWith(swarmNodes, 'swarm fleet (nodes)', () => {
  let cluster: SwarmCluster;
  let manager: Docker;
  let fleet: SwarmFleet;
  let image: string;
  const metering = new AbortController();
  const scope = `f${randomBytes(4).toString('hex')}`;
  const services: string[] = [];

  beforeAll(async () => {
    cluster = await swarmCluster(3);
    manager = cluster.manager.engine;
    image = await new ImagePublisher(new Docker(), cluster.registry.address).publish(STACK_IMAGE);
    // A reading a second: the first use is known two seconds after each node's meter task runs.
    const meter = new NodeMeter({ manager, scope, image: async () => image, clock: systemClock, logger: silentLogger, intervalSeconds: 1 });
    void meter.start(metering.signal);
    fleet = new SwarmFleet({ manager, scope, registry: cluster.registry, usage: meter, logger: silentLogger });
  }, STACK_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    metering.abort();
    if (manager) await removeNodeMeter(manager, scope);
    for (const id of services) await manager.getService(id).remove().catch(() => undefined);
    for (const n of cluster?.nodes ?? []) await fleet?.activate(n.name).catch(() => undefined);
  }, 120_000);

  /** A service shaped like one of Berth's instances (its labels, a reservation), on one node or anywhere. */
  async function service(opts: { berth: boolean; replicas?: number; node?: string; reserve?: { nanoCpus: number; memory: number } }): Promise<string> {
    const labels: Record<string, string> = opts.berth ? { [LABEL.managed]: '1', [SCOPE_LABEL]: scope, [LABEL.role]: 'formation' } : { [SCOPE_LABEL]: `${scope}-plain` };
    const created = (await manager.createService({
      Name: `${scope}-${randomBytes(3).toString('hex')}`, Labels: labels,
      TaskTemplate: {
        ContainerSpec: { Image: image, Command: ['sleep', '600'] },
        Resources: opts.reserve ? { Reservations: { NanoCPUs: opts.reserve.nanoCpus, MemoryBytes: opts.reserve.memory } } : {},
        RestartPolicy: { Condition: 'none' },
        ...(opts.node ? { Placement: { Constraints: [`node.hostname==${opts.node}`] } } : {}),
      },
      Mode: { Replicated: { Replicas: opts.replicas ?? 1 } },
    })) as unknown as { id?: string; ID?: string };
    const id = created.id ?? created.ID!;
    services.push(id);
    await eventually(async () => {
      const tasks = await manager.listTasks({ filters: { service: [id] } });
      return tasks.filter((t) => t.Status?.State === 'running').length === (opts.replicas ?? 1) ? true : undefined;
    }, 90_000);
    return id;
  }

  it("reports each node as its own engine knows it, Berth's reservations where they run, and every node's use from its meter", async () => {
    const [node1, node2] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    await service({ berth: true, node: node2.name, reserve: { nanoCpus: 250_000_000, memory: 64 * MiB } });
    // Every node, the manager and the workers alike, once its meter task has printed twice.
    const listed = await eventually(async () => {
      const nodes = await fleet.nodes({ used: true });
      return cluster.nodes.slice(0, 3).every((n) => nodes.find((l) => l.name === n.name)?.used) ? nodes : undefined;
    }, 120_000);
    for (const n of cluster.nodes.slice(0, 3)) {
      const own = (await n.engine.info()) as { NCPU: number; MemTotal: number; Name: string };
      expect(listed.find((l) => l.name === n.name), n.name).toMatchObject({
        name: own.Name, address: n.address, state: 'ready', availability: 'active', capacity: { cpus: own.NCPU, memoryBytes: own.MemTotal },
      });
    }
    expect(listed.find((l) => l.name === node1.name)).toMatchObject({ role: 'manager', leader: true, instances: 0, reserved: { cpus: 0, memoryBytes: 0 } });
    const two = listed.find((l) => l.name === node2.name)!;
    expect(two).toMatchObject({ role: 'worker', leader: false, instances: 1, reserved: { cpus: 0.25, memoryBytes: 64 * MiB } });
    // The machine's use: something (at least its meter) is busy, and no more than it has.
    for (const n of listed.filter((l) => cluster.nodes.slice(0, 3).some((c) => c.name === l.name))) {
      expect(n.used!.cpus, n.name).toBeGreaterThan(0);
      expect(n.used!.cpus, n.name).toBeLessThanOrEqual(n.capacity.cpus);
      expect(n.used!.memoryBytes, n.name).toBeGreaterThan(0);
      expect(n.used!.memoryBytes, n.name).toBeLessThan(n.capacity.memoryBytes);
    }
    // The meter is this Berth's global service: one task per node, shown on no node as an instance.
    const [meterService] = await manager.listServices({ filters: { label: [`${SCOPE_LABEL}=${scope}`, `${LABEL.role}=meter`] } });
    const meterTasks = await manager.listTasks({ filters: { service: [meterService!.ID!], 'desired-state': ['running'] } });
    expect(new Set(meterTasks.map((t) => t.NodeID)).size).toBe(3);
  }, 240_000);

  it('drain pauses the node with the berth.drain label and the scheduler places nothing new there; activate undoes it; finishDrain drains it', async () => {
    const node3 = cluster.nodes[2]!;
    expect((await fleet.drain(node3.name)).availability).toBe('draining');
    const inspected = (await manager.getNode(node3.name).inspect()) as { ID: string; Spec: { Availability: string; Labels: Record<string, string> } };
    expect(inspected.Spec.Availability).toBe('pause');
    expect(inspected.Spec.Labels['berth.drain']).toBe('requested');
    const plain = await service({ berth: false, replicas: 4 });
    const onNodes = (await manager.listTasks({ filters: { service: [plain], 'desired-state': ['running'] } })).map((t) => t.NodeID);
    expect(onNodes).toHaveLength(4);
    expect(onNodes).not.toContain(inspected.ID);

    expect((await fleet.activate(node3.name)).availability).toBe('active');
    const after = (await manager.getNode(node3.name).inspect()) as { Spec: { Availability: string; Labels: Record<string, string> } };
    expect([after.Spec.Availability, after.Spec.Labels['berth.drain']]).toEqual(['active', undefined]);

    // The balancer ends a drain once the node is empty: Swarm's own drain, the label gone.
    await fleet.drain(node3.name);
    await fleet.finishDrain(inspected.ID);
    const drained = (await manager.getNode(node3.name).inspect()) as { Spec: { Availability: string; Labels: Record<string, string> } };
    expect([drained.Spec.Availability, drained.Spec.Labels['berth.drain']]).toEqual(['drain', undefined]);
    expect((await fleet.nodes()).find((n) => n.name === node3.name)?.availability).toBe('drain');
    await fleet.activate(node3.name);
  }, 180_000);

  it('refuses to remove a node running Berth instances or the manager; removes a node that died', async () => {
    await expect(fleet.remove(cluster.nodes[1]!.name)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('drain it first') });
    await expect(fleet.remove(cluster.manager.name)).rejects.toMatchObject({ code: 'invalid_params' });
    const extra = await cluster.addNode();
    expect((await fleet.nodes()).find((n) => n.name === extra.name)?.state).toBe('ready');
    await cluster.killNode(extra);
    // The manager marks a silent node down after a few missed heartbeats (5 s each).
    await eventually(async () => ((await fleet.nodes()).find((n) => n.name === extra.name)?.state === 'down' ? true : undefined), 90_000);
    await fleet.remove(extra.name);
    expect((await fleet.nodes()).map((n) => n.name)).not.toContain(extra.name);
    cluster.nodes.splice(cluster.nodes.indexOf(extra), 1);
  }, 240_000);

  it("gives join instructions with the swarm's real worker token, the registry CA and the ports", async () => {
    const token = ((await manager.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
    const { commands, ports } = await fleet.joinInstructions();
    expect(commands.at(-1)).toBe(`docker swarm join --token ${token} ${cluster.manager.address}:2377`);
    expect(commands.join('\n')).toContain(`/etc/docker/certs.d/${cluster.registry.address}/ca.crt <<'BERTH_EOF'\n${cluster.registry.caCertificate}`);
    expect(ports).toEqual(['2377/tcp', '7946/tcp', '7946/udp', '4789/udp', '20000-29999/tcp']);
  });
});
