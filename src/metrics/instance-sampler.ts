// Samples every running instance every 10 s (by the injected clock) and hands each reading to the
// MetricsRecorder it is given. The runtime answers one reading per instance (its cgroups on local,
// the engine's one-shot stats on docker and swarm); CPU % is this sampler's own difference of two
// readings, against the share of a CPU the instance's size gives it. Restarts are read from their
// one owner, the health manager's crash tracker, never counted again here.
import type { MetricsRecorder } from '../domain/metric-samples.js';
import { DEFAULT_SIZE, findSize } from '../domain/sizes.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';

/** What the sampler needs of an instance: the fields of the runtime's `Instance` it reads. */
export interface SampledInstance {
  id: string;
  appId: string;
  processType: string;
  name: string;
  status: 'running' | 'exited';
  size: string | null;
  startedAt: string;
}

/** The runtime as the sampler uses it: `Runtime.list` and `Runtime.stats` (runtime/runtime.ts). */
export interface InstanceReadings {
  list(): Promise<SampledInstance[]>;
  stats(id: string): Promise<{ cpuSeconds: number; memoryBytes: number; memoryLimitBytes?: number; readAt?: number } | undefined>;
}

export interface InstanceSamplerDeps {
  runtime: InstanceReadings;
  recorder: MetricsRecorder;
  /** Crash restarts of a dyno so far (the health manager's CrashTracker.restartsOf). */
  restarts: (appId: string, dyno: string) => number;
  clock: Clock;
  logger: Logger;
  everyMs?: number;
  /**
   * Readings asked for at once. Docker's engine answers a one-shot reading at its next collection
   * tick (about a second), and concurrent readings share the tick: one at a time, 100 containers
   * would take longer than the 10 s interval (docs/PERFORMANCE.md).
   */
  concurrency?: number;
}

export const SAMPLE_EVERY_MS = 10_000;

export class InstanceSampler {
  private readonly previous = new Map<string, { cpuSeconds: number; at: number }>();

  constructor(private readonly deps: InstanceSamplerDeps) {}

  async start(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.sampleOnce().catch((e: Error) => this.deps.logger.warn('metrics-sample-failed', { error: e.message }));
      try {
        await this.deps.clock.sleep(this.deps.everyMs ?? SAMPLE_EVERY_MS, signal);
      } catch {
        return; // aborted
      }
    }
  }

  /** Reads every running instance once; returns how many readings were recorded. */
  async sampleOnce(): Promise<number> {
    const running = (await this.deps.runtime.list()).filter((i) => i.status === 'running');
    const ids = new Set(running.map((i) => i.id));
    for (const id of this.previous.keys()) if (!ids.has(id)) this.previous.delete(id);
    let recorded = 0;
    const queue = [...running];
    const worker = async () => {
      for (let i = queue.shift(); i; i = queue.shift()) if (await this.sample(i)) recorded++;
    };
    await Promise.all(Array.from({ length: this.deps.concurrency ?? 50 }, worker));
    return recorded;
  }

  private async sample(i: SampledInstance): Promise<boolean> {
    // An instance that exits between list and stats has nothing to read; that is not a fault.
    const stats = await this.deps.runtime.stats(i.id).catch((e: Error) => {
      this.deps.logger.warn('metrics-instance-unreadable', { instance: i.id, dyno: i.name, error: e.message });
      return undefined;
    });
    if (!stats) return false;
    const at = this.deps.clock.now();
    // A reading taken on its own schedule is timed by when it was taken: a swarm node's meter prints
    // every 5 s, and timing it by this 10 s loop would count 5 or 15 s of CPU in some intervals.
    const readAt = stats.readAt ?? at;
    const size = findSize(i.size ?? DEFAULT_SIZE) ?? findSize(DEFAULT_SIZE)!;
    const last = this.previous.get(i.id);
    // The same reading again (no new one since the last sample) is nothing new: recorded, it would say 0 % CPU.
    if (last && stats.readAt !== undefined && last.at === readAt) return false;
    // The first reading of an instance compares with its start: its average since then.
    const before = last ?? { cpuSeconds: 0, at: Date.parse(i.startedAt) };
    this.previous.set(i.id, { cpuSeconds: stats.cpuSeconds, at: readAt });
    const elapsedSeconds = (readAt - before.at) / 1000;
    const cpuPercent = elapsedSeconds > 0 ? Math.max(0, ((stats.cpuSeconds - before.cpuSeconds) / (elapsedSeconds * size.cpu)) * 100) : 0;
    this.deps.recorder.instance({
      appId: i.appId, processType: i.processType, dyno: i.name, at, cpuPercent, memoryRssBytes: stats.memoryBytes,
      memoryLimitBytes: size.memoryMb * 1024 * 1024, restarts: this.deps.restarts(i.appId, i.name),
    });
    return true;
  }
}
