// SwarmFleet against a fake manager engine (the subset of the Engine API it calls): what an admin
// sees and what each node command changes. The real 3-node swarm is in swarm-fleet.swarm.test.ts.
import { describe, expect, it } from 'vitest';
import type { Resources } from '../fleet.js';
import { silentLogger } from '../../platform/logger.js';
import { SwarmFleet, type ManagerEngine } from './swarm-fleet.js';
import type { SwarmNodeInfo } from './swarm-node-view.js';

const GiB = 1024 ** 3;
const node = (id: string, name: string, extra: Partial<SwarmNodeInfo> = {}): SwarmNodeInfo => ({
  ID: id, Version: { Index: 7 },
  Spec: { Role: 'worker', Availability: 'active', Labels: { zone: 'a' } },
  Description: { Hostname: name, Resources: { NanoCPUs: 2e9, MemoryBytes: 4 * GiB } },
  Status: { State: 'ready', Addr: `10.0.0.${id.length}` },
  ...extra,
});

function fakeManager(nodes: SwarmNodeInfo[], tasks: unknown[] = []) {
  const updates: Array<{ id: string; version: number | undefined; spec: SwarmNodeInfo['Spec'] }> = [];
  const removed: string[] = [];
  const manager = {
    info: async () => ({ Swarm: { NodeID: 'manager-id-1', NodeAddr: '10.0.0.1' } }),
    swarmInspect: async () => ({ JoinTokens: { Worker: 'SWMTKN-1-worker', Manager: 'SWMTKN-1-manager' } }),
    listNodes: async () => nodes,
    listServices: async () => (tasks.length ? [{ ID: 'svc' }] : []),
    listTasks: async () => tasks,
    getNode: (id: string) => ({
      update: async (opts: { _query: { version?: number }; _body: SwarmNodeInfo['Spec'] }) => {
        updates.push({ id, version: opts._query.version, spec: opts._body });
        const n = nodes.find((x) => x.ID === id)!;
        n.Spec = opts._body;
      },
      remove: async () => { removed.push(id); },
    }),
  };
  return { manager: manager as unknown as ManagerEngine, updates, removed };
}

const fleetOn = (manager: ManagerEngine, used: Record<string, Resources> = {}) => new SwarmFleet({
  manager, scope: 's1', registry: { address: '10.0.0.1:5443', caCertificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
  usage: { used: (nodeId) => used[nodeId] ?? null }, logger: silentLogger,
});

const task = (nodeId: string, state: string, nanoCpus: number, memory: number, container = `c-${nodeId}-${state}`, service = 'svc') => ({
  ServiceID: service, NodeID: nodeId, Spec: { Resources: { Reservations: { NanoCPUs: nanoCpus, MemoryBytes: memory } } },
  Status: { State: state, ContainerStatus: { ContainerID: container } },
});

describe('SwarmFleet (fake manager)', () => {
  it("lists each node with its capacity, what its tasks reserve (Berth's and others'), Berth's instances, and the machine's use its meter reported", async () => {
    const { manager } = fakeManager(
      [node('manager-id-1', 'node1', { Spec: { Role: 'manager', Availability: 'active' }, Status: { State: 'ready', Addr: '0.0.0.0' }, ManagerStatus: { Leader: true, Addr: '10.0.0.1:2377' } }),
        node('worker-id-22', 'node2'), node('worker-id-333', 'node3', { Status: { State: 'down', Addr: '10.0.0.13' } })],
      [task('worker-id-22', 'running', 1e9, 512 * 1024 ** 2), task('worker-id-22', 'starting', 5e8, 256 * 1024 ** 2), task('worker-id-333', 'running', 1e9, GiB),
        // Not Berth's: it is no instance of Berth's, but what it reserves is not free for Berth's either.
        task('worker-id-22', 'running', 5e8, 256 * 1024 ** 2, 'c-theirs', 'someone-elses')],
    );
    const fleet = fleetOn(manager, { 'worker-id-22': { cpus: 0.2, memoryBytes: 256 * 1024 ** 2 }, 'worker-id-333': { cpus: 1, memoryBytes: GiB } });
    const [n1, n2, n3] = await fleet.nodes({ used: true });
    // Not asked for, use is not measured (the balancer polls nodes every few seconds).
    expect((await fleet.nodes()).map((n) => n.used)).toEqual([null, null, null]);
    expect(n1).toMatchObject({ name: 'node1', address: '10.0.0.1', role: 'manager', leader: true, state: 'ready', instances: 0, used: null });
    expect(n2).toMatchObject({
      name: 'node2', address: '10.0.0.12', role: 'worker', leader: false, availability: 'active', instances: 2,
      capacity: { cpus: 2, memoryBytes: 4 * GiB }, reserved: { cpus: 2, memoryBytes: GiB },
    });
    expect(n2!.used).toEqual({ cpus: 0.2, memoryBytes: 256 * 1024 ** 2 });
    // A down node still counts what the swarm has not moved yet; a figure its meter sent before is not shown.
    expect(n3).toMatchObject({ state: 'down', instances: 1, used: null });
  });

  it('drain pauses the node and labels it, activate undoes both, finishDrain drains it; other labels stay', async () => {
    const { manager, updates } = fakeManager([node('worker-id-22', 'node2')]);
    const fleet = fleetOn(manager);
    expect((await fleet.drain('node2')).availability).toBe('draining');
    expect(updates.at(-1)).toEqual({ id: 'worker-id-22', version: 7, spec: expect.objectContaining({ Availability: 'pause', Labels: { zone: 'a', 'berth.drain': 'requested' } }) });
    expect((await fleet.activate('worker-id-22')).availability).toBe('active');
    expect(updates.at(-1)!.spec).toMatchObject({ Availability: 'active', Labels: { zone: 'a' } });
    await fleet.drain('node2');
    await fleet.finishDrain('worker-id-22');
    expect(updates.at(-1)!.spec).toMatchObject({ Availability: 'drain', Labels: { zone: 'a' } });
    expect((await fleet.nodes())[0]!.availability).toBe('drain');
  });

  it("leaves a node the operator activated after the balancer saw it empty: finishDrain drains only a draining node", async () => {
    const { manager, updates } = fakeManager([node('worker-id-22', 'node2')]);
    const fleet = fleetOn(manager);
    await fleet.drain('node2');
    await fleet.activate('node2');
    const before = updates.length;
    await fleet.finishDrain('worker-id-22');
    expect(updates).toHaveLength(before);
    expect((await fleet.nodes())[0]!.availability).toBe('active');
  });

  it('says not_found for an unknown node and asks for an id when two nodes share a hostname', async () => {
    const { manager } = fakeManager([node('aaaaaaaa1', 'twin'), node('bbbbbbbb2', 'twin', { Status: { State: 'down' } })]);
    const fleet = fleetOn(manager);
    await expect(fleet.drain('nope')).rejects.toMatchObject({ code: 'not_found', message: "Couldn't find the node nope." });
    await expect(fleet.drain('twin')).rejects.toMatchObject({ code: 'invalid_params', message: expect.stringContaining('name one by its id') });
    // GET /nodes/{node} finds nodes by the same rule.
    await expect(fleet.node('nope')).rejects.toMatchObject({ code: 'not_found' });
    await expect(fleet.node('twin')).rejects.toMatchObject({ code: 'invalid_params' });
    expect((await fleet.node('bbbbbbbb2')).state).toBe('down');
  });

  it('refuses to remove a node with Berth instances, an active one, or the manager Berth talks to; removes a down one', async () => {
    const { manager, removed } = fakeManager(
      [node('manager-id-1', 'node1', { Spec: { Role: 'manager', Availability: 'active' } }), node('busy-node-1', 'busy', { Spec: { Role: 'worker', Availability: 'pause' } }),
        node('idle-node-1', 'idle'), node('dead-node-1', 'dead', { Status: { State: 'down' } })],
      [task('busy-node-1', 'running', 0, 0), task('dead-node-1', 'running', 0, 0)],
    );
    const fleet = fleetOn(manager);
    await expect(fleet.remove('busy')).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/still runs 1 Berth instance; drain it first/) });
    await expect(fleet.remove('idle')).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('drain it first') });
    await expect(fleet.remove('node1')).rejects.toMatchObject({ code: 'invalid_params', message: expect.stringContaining('cannot be removed') });
    expect(removed).toEqual([]);
    await fleet.remove('dead');
    expect(removed).toEqual(['dead-node-1']);
  });

  it('join instructions carry the worker token, the manager address, the registry CA and the ports to open', async () => {
    const { commands, ports } = await fleetOn(fakeManager([]).manager).joinInstructions();
    expect(commands).toContain('apt-get install -y docker.io');
    expect(commands).toContain("cat > /etc/docker/certs.d/10.0.0.1:5443/ca.crt <<'BERTH_EOF'\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\nBERTH_EOF");
    expect(commands.some((c) => c.includes('/etc/docker/daemon.json') && c.includes('"no-new-privileges": true'))).toBe(true);
    expect(commands.at(-1)).toBe('docker swarm join --token SWMTKN-1-worker 10.0.0.1:2377');
    expect(ports).toEqual(['2377/tcp', '7946/tcp', '7946/udp', '4789/udp', '20000-29999/tcp']);
  });
});
