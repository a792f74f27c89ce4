// What the fleet balancer tells the reconciler: which running instances should be on another node,
// and why. The balancer (fleet-balancer.ts) is the one owner of that answer; the reconciler only
// asks, and replaces a marked instance the way it replaces one of the wrong size.

export type MoveReason = 'draining' | 'rebalancing';

export interface InstanceMove {
  instanceId: string;
  appId: string;
  /** `web.2` */
  dyno: string;
  processType: string;
  /** The node it runs on now, the one it leaves. */
  from: { id: string; name: string };
  reason: MoveReason;
  /**
   * Rebalancing: the type's spread (most − fewest instances per usable node) when the move was
   * decided; a move that did not lower it shows that placement cannot do better.
   */
  spreadBefore?: number;
}

export interface InstanceMoves {
  /** The move wanted for this instance, if the balancer wants it elsewhere. */
  moveOf(instanceId: string): InstanceMove | undefined;
}

/** One-machine runtimes: nothing ever moves. */
export const noMoves: InstanceMoves = { moveOf: () => undefined };

/** The app-log line written when the replacement of a moving instance starts. */
export function moveLine(move: InstanceMove): string {
  const why = move.reason === 'draining' ? `${move.from.name} is draining` : 'rebalancing';
  return `Moving ${move.dyno} from ${move.from.name} to another node (${why})`;
}
