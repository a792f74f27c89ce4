// Where a new instance goes on a fleet of several nodes: only a node that is active and ready and
// has the instance's reservation free, and among those the one that spreads the app's process type
// best. Pure: the runtime reads the nodes and instances and hands them in.
import type { InstanceSize } from './sizes.js';

/** CPUs (1 = one core) and bytes of memory, as `Resources` in runtime/fleet.ts. */
export interface PlacementResources {
  cpus: number;
  memoryBytes: number;
}

/** What placement needs of a node (a narrower `FleetNode`). */
export interface PlacementNode {
  id: string;
  /** The node's hostname: named in refusals and the last tie-break. */
  name: string;
  availability: 'active' | 'draining' | 'drain' | 'pause';
  state: 'ready' | 'down' | 'disconnected' | 'unknown';
  capacity: PlacementResources;
  /** What the tasks on it reserve now. */
  reserved: PlacementResources;
}

/** An instance placed now: which node runs it, and which app's process type it is. */
export interface PlacedInstance {
  nodeId: string;
  appId: string;
  processType: string;
}

export interface PlacementRequest {
  appId: string;
  processType: string;
  /** The dyno name (`web.3`), for the refusal. */
  dyno: string;
  reservation: PlacementResources;
}

export type PlacementDecision = { node: PlacementNode } | { refused: string };

const MB = 1024 * 1024;

/**
 * What an instance of a size reserves on its node: its whole memory limit and its whole CPU share.
 * Memory cannot be shared without the kernel killing someone, and a CPU share promised twice is not
 * a share; so the sum of the reservations on a node never passes its capacity, and the limits
 * (the same numbers) hold each instance to what it reserved.
 */
export function reservationOf(size: InstanceSize): PlacementResources {
  return { cpus: size.cpu, memoryBytes: size.memoryMb * MB };
}

/** The node for a new instance, or why there is none. */
export function placeInstance(nodes: PlacementNode[], placed: PlacedInstance[], request: PlacementRequest): PlacementDecision {
  const usable = nodes.filter((n) => n.availability === 'active' && n.state === 'ready');
  if (usable.length === 0) {
    const others = nodes.map((n) => `${n.name} is ${n.state === 'ready' ? n.availability : n.state}`).sort();
    return { refused: `${request.dyno} cannot start: no node is active and ready${others.length ? ` (${others.join(', ')})` : ''}` };
  }
  const fitting = usable.filter((n) => fits(free(n), request.reservation));
  if (fitting.length === 0) {
    const offers = [...usable].sort(byName).map((n) => `${n.name} has ${describeResources(free(n))} free`);
    return { refused: `${request.dyno} needs ${describeResources(request.reservation)}; no node has that free: ${offers.join(', ')}` };
  }
  const ofType = countBy(placed.filter((p) => p.appId === request.appId && p.processType === request.processType));
  const overall = countBy(placed);
  const rank = (n: PlacementNode) => [ofType.get(n.id) ?? 0, overall.get(n.id) ?? 0, -free(n).memoryBytes];
  const best = [...fitting].sort((a, b) => compareRanks(rank(a), rank(b)) || byName(a, b))[0]!;
  return { node: best };
}

function free(n: PlacementNode): PlacementResources {
  return { cpus: n.capacity.cpus - n.reserved.cpus, memoryBytes: n.capacity.memoryBytes - n.reserved.memoryBytes };
}

/** A thousandth of a CPU of slack: shares like 0.25 + 0.5 add up in binary fractions. */
const fits = (available: PlacementResources, need: PlacementResources) =>
  available.cpus + 0.001 >= need.cpus && available.memoryBytes >= need.memoryBytes;

const countBy = (instances: PlacedInstance[]) => {
  const counts = new Map<string, number>();
  for (const i of instances) counts.set(i.nodeId, (counts.get(i.nodeId) ?? 0) + 1);
  return counts;
};

const compareRanks = (a: number[], b: number[]) => {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
  return 0;
};

const byName = (a: PlacementNode, b: PlacementNode) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** `1 CPU and 512 MB`, `0.5 CPU and 2 GB`: what an operator reads in a refusal. */
export function describeResources(r: PlacementResources): string {
  const cpus = Math.max(0, Math.floor(r.cpus * 100) / 100);
  const mb = Math.max(0, Math.floor(r.memoryBytes / MB));
  const memory = mb >= 1024 ? `${Math.floor((mb / 1024) * 10) / 10} GB` : `${mb} MB`;
  return `${cpus} CPU and ${memory}`;
}
