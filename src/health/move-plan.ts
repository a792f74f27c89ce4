// Which instances should run on another node, worked out from what the fleet and the runtime say now
// (no I/O, so it is level-based and testable): every instance on a `draining` node, and, where a
// process type of an app is spread unevenly over the usable nodes, one instance at a time from a
// most loaded node. Swarm places a task once and never looks again (moby#24103): after a node joins
// or comes back, only this evens the spread out. The replacement's node is placement's choice.
import type { FleetNode } from '../runtime/fleet.js';
import type { Instance } from '../runtime/runtime.js';
import type { InstanceMove } from './instance-moves.js';

export interface MovePlanInput {
  nodes: FleetNode[];
  /** Every instance of Berth's the runtime lists (any app, any status). */
  instances: Instance[];
  /** The moves of the previous plan, by instance id. */
  previous: ReadonlyMap<string, InstanceMove>;
  /**
   * Groups (`app/type`) whose rebalancing is paused, each with the node signature it was paused
   * under: a change of the nodes (one joins, leaves, is activated) lifts the pause.
   */
  paused: ReadonlyMap<string, string>;
}

export interface MovePlan {
  /** Instances that should move, by instance id. */
  moves: Map<string, InstanceMove>;
  /** Moves of the previous plan whose instance is gone: done. */
  finished: InstanceMove[];
  /** The pauses still in force, plus those this plan added. */
  paused: Map<string, string>;
  /** Draining nodes with no instance of Berth's left running: their drain can be finished. */
  emptyDraining: FleetNode[];
}

const groupOf = (i: Pick<Instance, 'appId' | 'processType'>) => `${i.appId}/${i.processType}`;
const slotOf = (i: Instance) => `${i.appId}/${i.processType}.${i.index}`;
const usable = (n: FleetNode) => n.availability === 'active' && n.state === 'ready';

/** What the nodes look like, for noticing that they changed. */
export const nodeSignature = (nodes: FleetNode[]): string =>
  nodes.map((n) => `${n.id}:${n.availability}:${n.state}`).sort().join(',');

/** Instances per usable node (nodes without any count as 0), and most − fewest. */
function spreadOf(group: Instance[], nodes: FleetNode[]): { counts: Map<string, number>; spread: number } {
  const counts = new Map(nodes.filter(usable).map((n) => [n.id, 0]));
  for (const i of group) if (i.node && counts.has(i.node.id)) counts.set(i.node.id, counts.get(i.node.id)! + 1);
  const values = [...counts.values()];
  return { counts, spread: values.length < 2 ? 0 : Math.max(...values) - Math.min(...values) };
}

export function planMoves({ nodes, instances, previous, paused }: MovePlanInput): MovePlan {
  const running = instances.filter((i) => i.status === 'running');
  const byId = new Map(running.map((i) => [i.id, i]));
  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  const perSlot = new Map<string, number>();
  for (const i of running) perSlot.set(slotOf(i), (perSlot.get(slotOf(i)) ?? 0) + 1);
  // A slot holding two instances is being replaced (a move, a release switch, a resize).
  const underWay = (i: Instance) => perSlot.get(slotOf(i))! > 1;
  const moves = new Map<string, InstanceMove>();

  for (const i of running) {
    const node = i.node && nodeById.get(i.node.id);
    if (node?.availability === 'draining') moves.set(i.id, moveOf(i, node, 'draining'));
  }
  // A move whose replacement has started runs to its end whatever changed meanwhile (the node was
  // activated again): taking the mark back then would leave its slot with two current instances.
  for (const [id, move] of previous) {
    const i = byId.get(id);
    if (i && !moves.has(id) && underWay(i)) moves.set(id, move);
  }

  const signature = nodeSignature(nodes);
  const stillPaused = new Map([...paused].filter(([, sig]) => sig === signature));
  const groups = new Map<string, Instance[]>();
  for (const i of running) groups.set(groupOf(i), [...(groups.get(groupOf(i)) ?? []), i]);

  // A rebalancing move that did not lower its type's spread shows placement cannot do better on
  // these nodes (the others are full, say): trying again would move instances forever.
  const finished = [...previous.values()].filter((m) => !byId.has(m.instanceId));
  for (const m of finished) {
    if (m.reason !== 'rebalancing' || m.spreadBefore === undefined) continue;
    // Judged only once the replacement runs: an instance that ended some other way (a crash, a lost
    // node) says nothing about where placement puts things.
    if (!running.some((i) => slotOf(i) === `${m.appId}/${m.dyno}`)) continue;
    const { spread } = spreadOf(groups.get(groupOf(m)) ?? [], nodes);
    if (spread >= m.spreadBefore) stillPaused.set(groupOf(m), signature);
  }

  for (const [group, members] of groups) {
    if (stillPaused.has(group)) continue;
    // One move at a time per app and type; none while any of its slots is being replaced, since
    // the counts are in flux until the replaced instance is gone.
    if (members.some((i) => moves.has(i.id) || underWay(i))) continue;
    const { counts, spread } = spreadOf(members, nodes);
    if (spread < 2) continue;
    const most = Math.max(...counts.values());
    const candidates = members.filter((i) => i.node && counts.get(i.node.id) === most);
    // Keep the previous choice if it still stands; otherwise the highest index, as a scale-down would.
    const pick = candidates.find((i) => previous.get(i.id)?.reason === 'rebalancing')
      ?? candidates.sort((a, b) => b.index - a.index)[0]!;
    moves.set(pick.id, { ...moveOf(pick, nodeById.get(pick.node!.id)!, 'rebalancing'), spreadBefore: spread });
  }

  const occupied = new Set(running.flatMap((i) => (i.node ? [i.node.id] : [])));
  const emptyDraining = nodes.filter((n) => n.availability === 'draining' && !occupied.has(n.id));
  return { moves, finished, paused: stillPaused, emptyDraining };
}

function moveOf(i: Instance, node: FleetNode, reason: InstanceMove['reason']): InstanceMove {
  return { instanceId: i.id, appId: i.appId, dyno: i.name, processType: i.processType, from: { id: node.id, name: node.name }, reason };
}
