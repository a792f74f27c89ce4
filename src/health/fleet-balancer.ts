// The one owner of "which instances should move to another node" on a runtime of several (swarm):
// every few seconds it reads the nodes from the Fleet and the instances from the runtime, plans the
// moves (move-plan.ts), wakes the health manager for the apps whose moves changed, and finishes the
// drain of a draining node once nothing of Berth's runs on it. The reconciler does the moving, start
// new before stop old, asking moveOf() which instances are no longer current.
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Fleet } from '../runtime/fleet.js';
import type { Runtime } from '../runtime/runtime.js';
import type { InstanceMove, InstanceMoves } from './instance-moves.js';
import { nodeSignature, planMoves } from './move-plan.js';

export interface FleetBalancerDeps {
  fleet: Pick<Fleet, 'nodes' | 'finishDrain'>;
  runtime: Pick<Runtime, 'list'>;
  /** The nodes changed since the last pass (a join, a recovery, a drain, an activation, a loss). */
  nodesChanged?(): void;
  /** Has the health manager look at an app soon (HealthManager.wake). */
  wake(appId: string): void;
  clock: Clock;
  logger: Logger;
  /** How often the nodes and instances are read. Default 3 s. */
  everyMs?: number;
}

export class FleetBalancer implements InstanceMoves {
  private moves = new Map<string, InstanceMove>();
  private paused = new Map<string, string>();
  private lastNodes: string | undefined;
  private nudge = new AbortController();

  constructor(private readonly deps: FleetBalancerDeps) {}

  moveOf(instanceId: string): InstanceMove | undefined {
    return this.moves.get(instanceId);
  }

  /** Plans every `everyMs` until the signal aborts; a pass that fails is logged and the next one tries again. */
  async start(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.pass();
      try {
        await this.deps.clock.sleep(this.deps.everyMs ?? 3000, AbortSignal.any([signal, this.nudge.signal]));
      } catch {
        if (signal.aborted) return;
        this.nudge = new AbortController(); // woken early: plan now
      }
    }
  }

  /** Plans now rather than at the next poll (the nodes changed: a drain, an activation, a join). */
  wake(): void {
    this.nudge.abort();
  }

  /** One look at the fleet. Never throws: what failed is logged and tried again at the next pass. */
  async pass(): Promise<void> {
    const { logger } = this.deps;
    let plan;
    try {
      const [nodes, instances] = await Promise.all([this.deps.fleet.nodes(), this.deps.runtime.list()]);
      plan = planMoves({ nodes, instances, previous: this.moves, paused: this.paused });
      const signature = nodeSignature(nodes);
      if (this.lastNodes !== undefined && signature !== this.lastNodes) this.deps.nodesChanged?.();
      this.lastNodes = signature;

    } catch (e) {
      logger.warn('fleet-balance-failed', { error: e instanceof Error ? e.message : String(e) });
      return;
    }
    const changed = new Set<string>();
    for (const [id, move] of plan.moves) {
      if (this.moves.has(id)) continue;
      changed.add(move.appId);
      logger.info('instance-move-wanted', { appId: move.appId, dyno: move.dyno, from: move.from.name, reason: move.reason });
    }
    for (const [id, move] of this.moves) if (!plan.moves.has(id)) changed.add(move.appId);
    for (const move of plan.finished) logger.info('instance-moved', { appId: move.appId, dyno: move.dyno, from: move.from.name, reason: move.reason });
    for (const group of plan.paused.keys()) {
      if (!this.paused.has(group)) logger.warn('rebalance-paused', { group, why: 'a move did not even the spread out; tried again when the nodes change' });
    }
    this.moves = plan.moves;
    this.paused = plan.paused;
    for (const appId of changed) this.deps.wake(appId);
    for (const node of plan.emptyDraining) {
      try {
        await this.deps.fleet.finishDrain(node.id);
        logger.info('node-drain-finished', { node: node.name });
      } catch (e) {
        logger.warn('node-drain-finish-failed', { node: node.name, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
}
