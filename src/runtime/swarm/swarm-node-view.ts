// Reads one swarm node as the Fleet port shows it (runtime/fleet.ts) from what the manager says
// about it and about Berth's tasks on it. No I/O here: swarm-fleet.ts fetches, this turns.
import type { FleetNode, NodeAvailability, NodeState, Resources } from '../fleet.js';

/** The node label that tells Berth's "draining" (instances still moving away) from a plain `pause`. */
export const DRAIN_LABEL = 'berth.drain';
export const DRAIN_REQUESTED = 'requested';

export interface SwarmNodeInfo {
  ID: string;
  Version?: { Index?: number };
  Spec?: { Name?: string; Labels?: Record<string, string>; Role?: string; Availability?: string };
  Description?: { Hostname?: string; Resources?: { NanoCPUs?: number; MemoryBytes?: number } };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Addr?: string };
}

/** A task as the manager lists it (any service's: they all reserve on their node). */
export interface BerthTask {
  ServiceID?: string;
  NodeID?: string;
  Spec?: { Resources?: { Reservations?: { NanoCPUs?: number; MemoryBytes?: number } } };
  Status?: { State?: string; ContainerStatus?: { ContainerID?: string } };
}

const STATES: ReadonlySet<string> = new Set(['ready', 'down', 'disconnected', 'unknown']);
/** Task states in which a task holds (or is about to hold) its node's resources. */
const HOLDING = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running']);

export const isHolding = (task: BerthTask): boolean => HOLDING.has(task.Status?.State ?? '');

export function availabilityOf(node: SwarmNodeInfo): NodeAvailability {
  const swarm = node.Spec?.Availability ?? 'active';
  if (swarm === 'pause' && node.Spec?.Labels?.[DRAIN_LABEL] === DRAIN_REQUESTED) return 'draining';
  return swarm === 'drain' || swarm === 'pause' ? swarm : 'active';
}

/** The address the swarm reaches it on; a manager may report 0.0.0.0 in Status.Addr, its manager address does not. */
export function addressOf(node: SwarmNodeInfo): string {
  const addr = node.Status?.Addr ?? '';
  if (addr && addr !== '0.0.0.0') return addr;
  const manager = node.ManagerStatus?.Addr ?? '';
  return manager.slice(0, manager.lastIndexOf(':')) || addr;
}

/**
 * tasks: every task on the swarm, Berth's or not: all of them reserve on their node, so `reserved`
 * counts them all (what placement counts too); `instances` only those `isBerths` says are Berth's.
 */
export function nodeView(node: SwarmNodeInfo, tasks: readonly BerthTask[], used: Resources | null, isBerths: (t: BerthTask) => boolean = () => true): FleetNode {
  const holding = tasks.filter((t) => t.NodeID === node.ID && isHolding(t));
  const mine = holding.filter(isBerths);
  const reserved = holding.reduce((sum, t) => ({
    cpus: sum.cpus + (t.Spec?.Resources?.Reservations?.NanoCPUs ?? 0) / 1e9,
    memoryBytes: sum.memoryBytes + (t.Spec?.Resources?.Reservations?.MemoryBytes ?? 0),
  }), { cpus: 0, memoryBytes: 0 });
  const state = node.Status?.State ?? 'unknown';
  return {
    id: node.ID,
    name: node.Description?.Hostname ?? node.ID,
    address: addressOf(node),
    role: node.Spec?.Role === 'manager' ? 'manager' : 'worker',
    leader: node.ManagerStatus?.Leader === true,
    availability: availabilityOf(node),
    state: (STATES.has(state) ? state : 'unknown') as NodeState,
    instances: mine.length,
    capacity: { cpus: (node.Description?.Resources?.NanoCPUs ?? 0) / 1e9, memoryBytes: node.Description?.Resources?.MemoryBytes ?? 0 },
    reserved,
    used,
  };
}
