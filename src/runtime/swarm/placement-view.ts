// What the placement of a new instance (domain/placement.ts) needs to know about the swarm, read
// from the manager in one go: each node's state, availability, capacity and the reservations of the
// tasks on it, and which of Berth's instances run where. The same reading as the node API's
// (swarm-node-view.ts, issue 14 fleet-nodes): the integrator may fold this into it.
import type Docker from 'dockerode';
import type { PlacedInstance, PlacementNode } from '../../domain/placement.js';
import { LABEL } from '../docker/container-labels.js';

/** The node label with which the node API marks Berth's "draining" (Swarm: `pause`, instances still moving). */
const DRAIN_LABEL = 'berth.drain';

/** Task states in which a task holds (or is about to hold) its node's resources. */
const HOLDING = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running']);

interface NodeInfo {
  ID: string;
  Spec?: { Labels?: Record<string, string>; Availability?: string };
  Description?: { Hostname?: string; Resources?: { NanoCPUs?: number; MemoryBytes?: number } };
  Status?: { State?: string };
}

interface TaskInfo {
  NodeID?: string;
  Spec?: {
    ContainerSpec?: { Labels?: Record<string, string> };
    Resources?: { Reservations?: { NanoCPUs?: number; MemoryBytes?: number } };
  };
  Status?: { State?: string };
}

export interface PlacementView {
  nodes: PlacementNode[];
  placed: PlacedInstance[];
}

export async function readPlacementView(manager: Docker): Promise<PlacementView> {
  const [nodes, tasks] = await Promise.all([
    manager.listNodes() as Promise<NodeInfo[]>,
    manager.listTasks() as Promise<TaskInfo[]>,
  ]);
  // Every task that holds resources counts, Berth's or not: they share the node, and Swarm counts them too.
  const holding = tasks.filter((t) => t.NodeID && HOLDING.has(t.Status?.State ?? ''));
  const placed: PlacedInstance[] = holding.flatMap((t) => {
    const labels = t.Spec?.ContainerSpec?.Labels ?? {};
    return labels[LABEL.role] === 'formation' && labels[LABEL.appId]
      ? [{ nodeId: t.NodeID!, appId: labels[LABEL.appId]!, processType: labels[LABEL.processType] ?? '' }]
      : [];
  });
  return { nodes: nodes.map((n) => placementNode(n, holding.filter((t) => t.NodeID === n.ID))), placed };
}

function placementNode(node: NodeInfo, tasks: TaskInfo[]): PlacementNode {
  const state = node.Status?.State ?? 'unknown';
  const swarm = node.Spec?.Availability ?? 'active';
  const availability = swarm === 'pause' && node.Spec?.Labels?.[DRAIN_LABEL] ? 'draining' : swarm === 'pause' || swarm === 'drain' ? swarm : 'active';
  return {
    id: node.ID,
    name: node.Description?.Hostname ?? node.ID,
    availability,
    state: state === 'ready' || state === 'down' || state === 'disconnected' ? state : 'unknown',
    capacity: { cpus: (node.Description?.Resources?.NanoCPUs ?? 0) / 1e9, memoryBytes: node.Description?.Resources?.MemoryBytes ?? 0 },
    reserved: tasks.reduce((sum, t) => ({
      cpus: sum.cpus + (t.Spec?.Resources?.Reservations?.NanoCPUs ?? 0) / 1e9,
      memoryBytes: sum.memoryBytes + (t.Spec?.Resources?.Reservations?.MemoryBytes ?? 0),
    }), { cpus: 0, memoryBytes: 0 }),
  };
}
