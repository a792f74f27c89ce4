// Reads an instance back from its service (labels: what it is) and its one task (state, exit
// code, node and published port: where it is). A service has one task: replicas 1, no restarts.
import type Docker from 'dockerode';
import { identityFromLabels } from '../docker/container-labels.js';
import type { Instance } from '../runtime.js';

/** On a service the runtime stopped for holding more than its size's disk: `<used bytes>/<limit bytes>`. */
export const DISK_EXCEEDED_LABEL = 'berth.disk-exceeded';
/** On every instance's service: its size's disk in MB, the limit it is held to. */
export const DISK_LIMIT_LABEL = 'berth.disk-mb';

/** Task states after which the task never runs again. */
const TERMINAL = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

export interface SwarmTask {
  ID?: string;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Status?: {
    Timestamp?: string;
    State?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
    PortStatus?: { Ports?: Array<{ TargetPort?: number; PublishedPort?: number }> };
  };
}

/** What a task's node is, from the manager's node list. */
export interface NodeOfTask {
  address: string;
  name: string;
  /** The swarm's word for it: `ready`, `down` (its heartbeats stopped), `disconnected`, `unknown`. */
  state: string;
}

export const isTerminal = (task: SwarmTask | undefined): boolean => TERMINAL.has(task?.Status?.State ?? '');

/** The task of the service that counts: the newest (a service has at most one running). */
export function currentTask(tasks: SwarmTask[]): SwarmTask | undefined {
  return [...tasks].sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? '')).at(-1);
}

/**
 * The node of a task that is not over, when that node is gone: down (the manager heard no heartbeat
 * for a while) or removed from the swarm. Its task still says `running`, since nobody is left to say
 * otherwise; Berth takes it as exited (and Swarm, restart policy none, starts nothing in its place).
 */
export function lostWith(task: SwarmTask | undefined, node: NodeOfTask | undefined): string | undefined {
  if (!task?.NodeID || isTerminal(task)) return undefined;
  if (!node) return task.NodeID;
  return node.state === 'down' ? node.name : undefined;
}

/** `nodes` is the manager's node list by id: a task's node missing from it was removed from the swarm. */
export function instanceFromTask(service: Docker.Service & { Spec?: { Labels?: Record<string, string> }; CreatedAt?: string }, task: SwarmTask | undefined, nodes: ReadonlyMap<string, NodeOfTask>): Instance {
  const labels = service.Spec?.Labels ?? {};
  const node = task?.NodeID ? nodes.get(task.NodeID) : undefined;
  const lost = lostWith(task, node);
  // Stopped (scaled to zero) and its ended task already reaped by the manager: nothing runs.
  const reaped = !task && (service.Spec as { Mode?: { Replicated?: { Replicas?: number } } } | undefined)?.Mode?.Replicated?.Replicas === 0;
  const exited = isTerminal(task) || lost !== undefined || reaped;
  const published = task?.Status?.PortStatus?.Ports?.[0]?.PublishedPort;
  const exitCode = task?.Status?.ContainerStatus?.ExitCode;
  const nodeAddress = node?.address;
  return {
    id: service.ID,
    ...identityFromLabels(labels),
    status: exited ? 'exited' : 'running',
    // A task that never ran a container (rejected: no image, no node fits) has no exit code; nor has a lost one.
    exitCode: exited && lost === undefined && task?.Status?.ContainerStatus?.ContainerID ? (exitCode ?? null) : null,
    address: !exited && nodeAddress && published ? { host: nodeAddress, port: published } : null,
    startedAt: service.CreatedAt ?? new Date().toISOString(),
    // A lost task's last timestamp is its last report, before the node died: the loss is now.
    exitedAt: exited ? (lost === undefined ? task?.Status?.Timestamp : undefined) ?? new Date().toISOString() : null,
    ...(task?.NodeID && node ? { node: { id: task.NodeID, name: node.name } } : {}),
    ...(lost !== undefined ? { lostWith: lost } : {}),
    ...(exited ? diskExceeded(labels[DISK_EXCEEDED_LABEL]) : {}),
  };
}

function diskExceeded(label: string | undefined): Pick<Instance, 'diskExceeded'> {
  const [used, limit] = (label ?? '').split('/').map(Number);
  return used !== undefined && limit !== undefined && Number.isSafeInteger(used) && Number.isSafeInteger(limit) && label ? { diskExceeded: { usedBytes: used, limitBytes: limit } } : {};
}
