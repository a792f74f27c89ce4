// What the placement of a new instance (domain/placement.ts) needs to know about the swarm, read
// from the manager in one go: each node's state, availability, capacity and the reservations of the
// tasks on it, and which of Berth's instances run where. Each node is read as the node API reads it
// (swarm-node-view.ts), with every task's reservation counted, Berth's or not: they share the node.
import type Docker from 'dockerode';
import type { PlacedInstance, PlacementNode } from '../../domain/placement.js';
import { LABEL } from '../docker/container-labels.js';
import { isHolding, nodeView, type BerthTask, type SwarmNodeInfo } from './swarm-node-view.js';

interface TaskInfo extends BerthTask {
  Spec?: BerthTask['Spec'] & { ContainerSpec?: { Labels?: Record<string, string> } };
}

export interface PlacementView {
  nodes: PlacementNode[];
  placed: PlacedInstance[];
}

export async function readPlacementView(manager: Docker): Promise<PlacementView> {
  const [nodes, tasks] = await Promise.all([
    manager.listNodes() as Promise<SwarmNodeInfo[]>,
    manager.listTasks() as Promise<TaskInfo[]>,
  ]);
  // Every task that holds resources counts, Berth's or not: they share the node, and Swarm counts them too.
  const holding = tasks.filter((t) => t.NodeID && isHolding(t));
  const placed: PlacedInstance[] = holding.flatMap((t) => {
    const labels = t.Spec?.ContainerSpec?.Labels ?? {};
    return labels[LABEL.role] === 'formation' && labels[LABEL.appId]
      ? [{ nodeId: t.NodeID!, appId: labels[LABEL.appId]!, processType: labels[LABEL.processType] ?? '' }]
      : [];
  });
  return { nodes: nodes.map((n) => nodeView(n, holding, null)), placed };
}
