// Copies what each instance prints into the app's log stream as `app[web.1]` lines, as Heroku's
// logplex does for dyno output. One pump per instance, ended by the instance's exit or close().
import type { LogSink } from '../logs/log-sink.js';
import type { Logger } from '../platform/logger.js';
import type { Instance, Runtime } from '../runtime/runtime.js';

export interface InstanceOutputDeps {
  runtime: Runtime;
  appLog: LogSink;
  logger: Logger;
}

export class InstanceOutput {
  /** Instances already being (or done being) copied; forgotten when the instance is removed. */
  private readonly pumps = new Map<string, AbortController>();
  private closed = false;

  constructor(private readonly deps: InstanceOutputDeps) {}

  /**
   * Starts copying the instance's output unless that is already happening. `fromStart` false skips
   * what it printed before now: an instance adopted from an earlier Berth process whose output that
   * process already copied (lines printed while no Berth was running are lost, not duplicated).
   */
  follow(instance: Instance, fromStart: boolean): void {
    if (this.closed || this.pumps.has(instance.id)) return;
    const abort = new AbortController();
    this.pumps.set(instance.id, abort);
    void this.pump(instance, fromStart, abort.signal).catch((e: unknown) =>
      this.deps.logger.error('instance-output-failed', { instance: instance.id, error: String(e) }),
    );
  }

  /** The instance is gone: a pump still running drains its last lines (the file stays open) and ends. */
  forget(id: string): void {
    this.pumps.delete(id);
  }

  close(): void {
    this.closed = true;
    for (const abort of this.pumps.values()) abort.abort();
    this.pumps.clear();
  }

  private async pump(instance: Instance, fromStart: boolean, signal: AbortSignal): Promise<void> {
    const { runtime, appLog } = this.deps;
    let skip = 0;
    if (!fromStart) for await (const _ of runtime.logs(instance.id, { follow: false, signal })) skip++;
    for await (const chunk of runtime.logs(instance.id, { follow: true, signal })) {
      if (signal.aborted) return;
      if (skip > 0) { skip--; continue; }
      appLog.write(instance.appId, 'app', instance.name, chunk.line);
    }
  }
}
