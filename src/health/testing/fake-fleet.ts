// An in-memory Fleet for tests: nodes the test adds, drains and activates, with the availability
// changes a real swarm fleet makes (drain → `draining`, finishDrain → `drain`), and a placement for
// the fake runtime that puts a new instance where a spreading scheduler would.
import { BerthError } from '../../domain/errors.js';
import type { Fleet, FleetNode, JoinInstructions } from '../../runtime/fleet.js';
import type { Instance, InstanceSpec } from '../../runtime/runtime.js';

const NO_RESOURCES = { cpus: 0, memoryBytes: 0 };

export class FakeFleet implements Fleet {
  private readonly byId = new Map<string, FleetNode>();
  /** Node ids passed to finishDrain(), in order. */
  readonly finishedDrains: string[] = [];
  /** nodes() throws this error while it is set (the manager did not answer). */
  nodesFailure: Error | undefined;
  /** finishDrain() throws this error, once. */
  finishDrainFailure: Error | undefined;

  /** `running`: what runs now, for each node's instance count. */
  constructor(private readonly running: () => Promise<Instance[]>, names: string[] = []) {
    for (const name of names) this.join(name);
  }

  /** A machine joins, active and ready; its id is its name with `id-` in front. */
  join(name: string): FleetNode {
    const node: FleetNode = {
      id: `id-${name}`, name, address: `10.1.0.${this.byId.size + 1}`, role: this.byId.size === 0 ? 'manager' : 'worker', leader: this.byId.size === 0,
      availability: 'active', state: 'ready', instances: 0, capacity: { cpus: 2, memoryBytes: 4 << 30 }, reserved: NO_RESOURCES, used: null,
    };
    this.byId.set(node.id, node);
    return node;
  }

  async nodes(): Promise<FleetNode[]> {
    if (this.nodesFailure) throw this.nodesFailure;
    const running = (await this.running()).filter((i) => i.status === 'running');
    return [...this.byId.values()].map((n) => ({ ...n, instances: running.filter((i) => i.node?.id === n.id).length }));
  }

  async node(ref: string): Promise<FleetNode> {
    const found = this.find(ref);
    return (await this.nodes()).find((n) => n.id === found.id)!;
  }

  async joinInstructions(): Promise<JoinInstructions> {
    return { commands: ['docker swarm join --token SWMTKN-fake 10.1.0.1:2377'], ports: ['2377/tcp', '7946/tcp', '7946/udp', '4789/udp'] };
  }

  async drain(node: string): Promise<FleetNode> {
    return this.set(node, 'draining');
  }

  async activate(node: string): Promise<FleetNode> {
    return this.set(node, 'active');
  }

  async remove(node: string): Promise<void> {
    const found = this.find(node);
    if (found.instances > 0) throw new BerthError('conflict', `${found.name} still runs instances: drain it first`);
    this.byId.delete(found.id);
  }

  async finishDrain(nodeId: string): Promise<void> {
    const failure = this.finishDrainFailure;
    this.finishDrainFailure = undefined;
    if (failure) throw failure;
    this.finishedDrains.push(nodeId);
    this.set(nodeId, 'drain');
  }

  /**
   * Where a spreading scheduler puts a new instance: on the usable node with the fewest instances of
   * the same app and process type, then the fewest instances at all, then by name.
   */
  readonly placement = (spec: InstanceSpec, running: Instance[]): { id: string; name: string } => {
    const usable = [...this.byId.values()].filter((n) => n.availability === 'active' && n.state === 'ready');
    if (usable.length === 0) throw new BerthError('start_refused', 'no active node');
    const load = (n: FleetNode, same: boolean) => running.filter((i) => i.node?.id === n.id && (!same || (i.appId === spec.appId && i.processType === spec.processType))).length;
    const best = usable.sort((a, b) => load(a, true) - load(b, true) || load(a, false) - load(b, false) || a.name.localeCompare(b.name))[0]!;
    return { id: best.id, name: best.name };
  };

  private set(node: string, availability: FleetNode['availability']): FleetNode {
    const found = this.find(node);
    found.availability = availability;
    return { ...found };
  }

  private find(node: string): FleetNode {
    const found = this.byId.get(node) ?? [...this.byId.values()].find((n) => n.name === node);
    if (!found) throw new BerthError('not_found', `no node ${node}`);
    return found;
  }
}
