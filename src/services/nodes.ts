// The fleet's machines (issue 14): list them, the join command, drain, activate, remove. Admin
// only: nodes are the operator's, shared by every tenant, and the join command carries the
// swarm's join token. The Fleet (runtime/fleet.ts) is there only on the swarm runtime.
import { BerthError } from '../domain/errors.js';
import type { User } from '../domain/types.js';
import type { Fleet, FleetNode, JoinInstructions } from '../runtime/fleet.js';
import type { ServiceDeps } from './service-deps.js';
import { auditEntry } from './audit-entry.js';

export interface NodeDeps extends Pick<ServiceDeps, 'store' | 'logger' | 'events'> {
  /** Undefined on the one-machine runtimes (local, docker). */
  fleet: Fleet | undefined;
}

export type NodeAvailabilityChange = 'drain' | 'active';

function fleetFor(deps: NodeDeps, actor: User): Fleet {
  if (!actor.isAdmin) throw new BerthError('forbidden', 'Only the Berth admin can manage nodes.', 'node');
  if (!deps.fleet) throw new BerthError('not_implemented', 'This Berth runs on one machine: nodes need the swarm runtime (BERTH_RUNTIME=swarm).', 'node');
  return deps.fleet;
}

export function listNodes(deps: NodeDeps, actor: User): Promise<FleetNode[]> {
  return fleetFor(deps, actor).nodes({ used: true });
}

export function getNode(deps: NodeDeps, actor: User, ref: string): Promise<FleetNode> {
  return fleetFor(deps, actor).node(ref, { used: true });
}

export function nodeJoinInstructions(deps: NodeDeps, actor: User): Promise<JoinInstructions> {
  return fleetFor(deps, actor).joinInstructions();
}

/** drain: nothing new goes there and Berth moves its instances away; active: it takes new instances again. */
export async function setNodeAvailability(deps: NodeDeps, actor: User, ref: string, change: NodeAvailabilityChange): Promise<FleetNode> {
  const fleet = fleetFor(deps, actor);
  const node = change === 'drain' ? await fleet.drain(ref) : await fleet.activate(ref);
  await deps.store.events.append(auditEntry(actor, null, change === 'drain' ? 'node-drain-started' : 'node-activated', { node: node.id, name: node.name }));
  deps.events.emit({ type: 'nodes-changed', node: node.id });
  return node;
}

export async function removeNode(deps: NodeDeps, actor: User, ref: string): Promise<void> {
  const fleet = fleetFor(deps, actor);
  await fleet.remove(ref);
  await deps.store.events.append(auditEntry(actor, null, 'node-removed', { node: ref }));
  deps.events.emit({ type: 'nodes-changed', node: ref });
}
