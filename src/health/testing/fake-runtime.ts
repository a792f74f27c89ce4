// An in-memory Runtime for tests: instances with fake addresses that run until stopped or crash()ed.
// It passes the lifecycle part of the runtime contract (fake-runtime.test.ts), so the health tests'
// world behaves as the real drivers do; the one shell it understands is a command ending in `exit N`.
import { BerthError } from '../../domain/errors.js';
import type { Clock } from '../../platform/clock.js';
import type { Instance, InstanceSpec, InstanceStats, LogChunk, OneOffSpec, Runtime } from '../../runtime/runtime.js';

export class FakeRuntime implements Runtime {
  readonly name = 'local' as const;
  /** Every start, in order (the specs as the health manager asked for them). */
  readonly starts: InstanceSpec[] = [];
  /** Ids passed to stop(), in order. */
  readonly stops: string[] = [];
  private readonly instances = new Map<string, Instance>();
  private readonly listeners = new Set<(i: Instance) => void>();
  /** How long a stopped instance takes to exit (a process finishing its requests after SIGTERM). */
  stopTakesMs = 0;
  private readonly labels = new Map<string, string>();
  private readonly startedIds: string[] = [];
  private nextId = 1;
  /** Every one-off exec'd, in order. */
  readonly oneOffSpecs: OneOffSpec[] = [];
  private readonly oneOffs = new Map<string, (exitCode: number) => void>();
  /** start() of this process type throws this error (as long as it is set). */
  readonly startFailures = new Map<string, Error>();
  /** remove() of this instance id throws this error, once (Docker's 409 "removal already in progress"). */
  readonly removeFailures = new Map<string, Error>();
  /**
   * Placement, as a runtime of several does it: the node a new instance runs on, given what runs now.
   * Unset, instances have no node (a one-machine runtime).
   */
  placement?: (spec: InstanceSpec, running: Instance[]) => { id: string; name: string };

  /** `slugExists` says which slugs are there (default: every one), as a driver finds its slug directory or image. */
  constructor(private readonly clock: Clock, private readonly opts: { slugExists?: (slug: string) => boolean } = {}) {}

  async start(spec: InstanceSpec): Promise<Instance> {
    this.starts.push(spec);
    const failure = this.startFailures.get(spec.processType);
    if (failure) throw failure;
    if (this.opts.slugExists && !this.opts.slugExists(spec.slug)) throw new BerthError('start_refused', `the slug ${spec.slug} is missing`);
    const node = this.placement?.(spec, [...this.instances.values()].filter((i) => i.status === 'running').map((i) => ({ ...i })));
    const n = this.nextId++;
    const instance: Instance = {
      id: `i-${n}`, appId: spec.appId, appName: spec.appName, releaseId: spec.releaseId, releaseVersion: spec.releaseVersion,
      processType: spec.processType, index: spec.index, name: `${spec.processType}.${spec.index}`, status: 'running', exitCode: null,
      address: spec.processType === 'web' ? { host: '10.0.0.1', port: 5000 + n } : null,
      startedAt: new Date(this.clock.now()).toISOString(), exitedAt: null, size: spec.size.name, ...(node ? { node } : {}),
    };
    this.instances.set(instance.id, instance);
    this.startedIds.push(instance.id);
    this.labels.set(instance.id, `${instance.name}@v${instance.releaseVersion}`);
    const exitsWith = /(?:^|[;&|]\s*)exit\s+(\d+)\s*$/.exec(spec.command);
    if (exitsWith) void this.clock.sleep(0).then(() => this.exit(instance.id, Number(exitsWith[1])));
    return { ...instance };
  }

  async stop(id: string): Promise<void> {
    this.stops.push(id);
    if (this.stopTakesMs > 0) await this.clock.sleep(this.stopTakesMs);
    this.exit(id, 143);
  }

  /** Makes a running instance exit on its own, as a crashing process would. */
  crash(id: string, code = 1): void {
    this.exit(id, code);
  }

  /** Makes a running instance exit as one whose machine died does: no exit code, the node's name in lostWith. */
  lose(id: string, node: string): void {
    const i = this.instances.get(id);
    if (i) i.lostWith = node;
    this.exit(id, null);
  }

  /** Makes a running instance exit as one its runtime stopped for holding more than its size's disk. */
  overDisk(id: string, usedBytes: number, limitBytes: number): void {
    const i = this.instances.get(id);
    if (i) i.diskExceeded = { usedBytes, limitBytes };
    this.exit(id, 143);
  }

  /** `web.1@v2`: the dyno name and release of any instance ever started here. */
  label(id: string): string {
    return this.labels.get(id) ?? `unknown ${id}`;
  }

  /** Labels of the running instances, sorted. */
  running(): string[] {
    return [...this.instances.values()].filter((i) => i.status === 'running').map((i) => this.label(i.id)).sort();
  }

  /** Labels of the instances started so far, in order. */
  started(): string[] {
    return this.startedIds.map((id) => this.label(id));
  }

  /** Labels of the instances stopped so far, in order. */
  stopped(): string[] {
    return this.stops.map((id) => this.label(id));
  }

  /** The running instance with this dyno name (the newest release's if several; of one release, the last started). */
  find(name: string): Instance {
    const found = [...this.instances.values()].filter((i) => i.status === 'running' && i.name === name)
      .sort((a, b) => b.releaseVersion - a.releaseVersion || this.startedIds.indexOf(b.id) - this.startedIds.indexOf(a.id))[0];
    if (!found) throw new Error(`no running instance ${name}`);
    return found;
  }

  private exit(id: string, code: number | null): void {
    const i = this.instances.get(id);
    if (!i || i.status === 'exited') return;
    Object.assign(i, { status: 'exited', exitCode: code, exitedAt: new Date(this.clock.now()).toISOString() });
    for (const l of this.listeners) l({ ...i });
  }

  async list(filter?: { appId?: string }): Promise<Instance[]> {
    return [...this.instances.values()].filter((i) => !filter?.appId || i.appId === filter.appId).map((i) => ({ ...i }));
  }

  async inspect(id: string): Promise<Instance | undefined> {
    const i = this.instances.get(id);
    return i && { ...i };
  }

  async *logs(): AsyncIterable<LogChunk> {}

  async stats(): Promise<InstanceStats | undefined> {
    return undefined;
  }

  /** One-offs run until finishOneOff() or their signal aborts (then they exit 143, as after SIGTERM). */
  async exec(spec: OneOffSpec): Promise<{ exitCode: number }> {
    const name = spec.dynoName ?? `run.${this.nextId++}`;
    this.oneOffSpecs.push(spec);
    return new Promise((resolve) => {
      const finish = (exitCode: number) => {
        this.oneOffs.delete(name);
        spec.signal?.removeEventListener('abort', stopped);
        resolve({ exitCode });
      };
      const stopped = () => finish(143);
      this.oneOffs.set(name, finish);
      if (spec.signal?.aborted) stopped();
      else spec.signal?.addEventListener('abort', stopped, { once: true });
    });
  }

  async stopLeftoverOneOffs(): Promise<number> {
    return 0;
  }

  /** Names of the one-offs running now, sorted. */
  runningOneOffs(): string[] {
    return [...this.oneOffs.keys()].sort();
  }

  /** Makes a running one-off's command end with this code. */
  finishOneOff(name: string, exitCode = 0): void {
    const finish = this.oneOffs.get(name);
    if (!finish) throw new Error(`no running one-off ${name}`);
    finish(exitCode);
  }

  onExit(listener: (instance: Instance) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async remove(id: string): Promise<void> {
    const failure = this.removeFailures.get(id);
    if (failure) {
      this.removeFailures.delete(id);
      throw failure;
    }
    this.instances.delete(id);
  }
}
