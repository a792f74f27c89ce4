// Exits of swarm instances. A Docker 20.10 manager emits no task events (only service, node and
// network ones), and a task's container lives on another node's engine, so the manager's task
// list is the one place that knows: it is read every intervalMs and each instance that reached a
// terminal state since is reported once.
import type { Logger } from '../../platform/logger.js';
import type { Instance } from '../runtime.js';

export class TaskExitWatch {
  private readonly reported = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private opening: Promise<void> | undefined;
  private polling = false;

  constructor(
    private readonly list: () => Promise<Instance[]>,
    private readonly report: (instance: Instance) => void,
    private readonly log: Logger,
    private readonly intervalMs = 500,
  ) {}

  /** Starts watching; instances already exited now are not reported (they exited before anyone asked). */
  open(): Promise<void> {
    this.opening ??= (async () => {
      for (const i of await this.list()) if (i.status === 'exited') this.reported.add(i.id);
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
      this.timer.unref();
    })();
    this.opening.catch(() => (this.opening = undefined));
    return this.opening;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.opening = undefined;
  }

  /** A removed instance is forgotten, so the set does not grow forever. */
  forget(id: string): void {
    this.reported.delete(id);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const instance of await this.list()) {
        if (instance.status !== 'exited' || this.reported.has(instance.id)) continue;
        this.reported.add(instance.id);
        this.report(instance);
      }
    } catch (e) {
      this.log.warn('swarm-task-poll-failed', { error: (e as Error).message });
    } finally {
      this.polling = false;
    }
  }
}
