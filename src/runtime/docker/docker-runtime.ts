// The `docker` runtime driver: one container per instance through the Docker Engine API.
// Containers carry everything about their instance in labels, so a new DockerRuntime adopts the
// running ones by asking the engine; exits come from the engine's event stream.
import { randomInt } from 'node:crypto';
import type Docker from 'dockerode';
import { BerthError } from '../../domain/errors.js';
import { isImageReference } from '../../domain/image-conventions.js';
import type { Logger } from '../../platform/logger.js';
import type { Instance, InstanceSpec, InstanceStats, LogChunk, OneOffSpec, Runtime } from '../runtime.js';
import { readContainerStats } from './container-stats.js';
import { AppNetworks } from './app-networks.js';
import { instanceFromContainer, LABEL } from './container-labels.js';
import { containerOptions } from './container-spec.js';
import { ExitEvents } from './exit-events.js';
import { type ImageRunPlan, runPlanOf } from './image-run-plan.js';
import type { InstanceDisks } from './instance-disks.js';
import { demuxTo, LogDemuxer } from './log-demux.js';

export interface DockerRuntimeOptions {
  docker: Docker;
  logger: Logger;
  /**
   * Which Berth installation the containers belong to (label `berth.scope`); two Berths (or two
   * test suites) sharing one engine never see each other's instances. Default `default`.
   */
  scope?: string;
  /** How long stop() waits after SIGTERM before SIGKILL, unless the caller says otherwise. */
  stopGraceMs?: number;
  /** Size-limited /app filesystems (the size's diskMb); without them /app is unlimited. */
  disks?: InstanceDisks;
}

export const SCOPE_LABEL = 'berth.scope';
const DEFAULT_STOP_GRACE_MS = 10_000;

type EngineError = { statusCode?: number };
const isNotFound = (e: unknown) => (e as EngineError).statusCode === 404;
/** The engine answers 409 to a removal while an earlier removal of the same container is running. */
const isRemovalInProgress = (e: unknown) => (e as EngineError).statusCode === 409 && /already in progress/i.test((e as Error).message ?? '');
const REMOVAL_WAIT_MS = 30_000;

export class DockerRuntime implements Runtime {
  readonly name = 'docker' as const;
  private readonly docker: Docker;
  private readonly log: Logger;
  private readonly scope: string;
  private readonly networks: AppNetworks;
  private readonly events: ExitEvents;
  private readonly listeners = new Set<(instance: Instance) => void>();
  private detached = false;

  constructor(private readonly opts: DockerRuntimeOptions) {
    this.docker = opts.docker;
    this.log = opts.logger;
    this.scope = opts.scope ?? 'default';
    this.networks = new AppNetworks(this.docker, { [LABEL.managed]: '1', [SCOPE_LABEL]: this.scope });
    this.events = new ExitEvents(this.docker, this.log, (id) => void this.reportExit(id));
  }

  async start(spec: InstanceSpec): Promise<Instance> {
    await this.events.open();
    await this.networks.ensure(spec.appName);
    const dyno = `${spec.processType}.${spec.index}`;
    const disk = await this.opts.disks?.create(spec.size.diskMb);
    let container: Docker.Container;
    try {
      const plan = await this.runPlan(spec, 'formation').catch((e: unknown) => {
        const status = (e as EngineError).statusCode;
        if (status === 404 || status === 400) throw new BerthError('start_refused', (e as Error).message);
        throw e;
      });
      const options = containerOptions(spec, { role: 'formation', dyno, index: spec.index }, plan, disk);
      options.Labels![SCOPE_LABEL] = this.scope;
      container = await this.docker.createContainer(options).catch((e: unknown) => {
        // 404: no such image; 400: a configuration the engine rejects. Both fail the same way every time.
        const status = (e as EngineError).statusCode;
        if (status === 404 || status === 400) throw new BerthError('start_refused', (e as Error).message);
        throw e;
      });
      try {
        await container.start();
      } catch (e) {
        await container.remove({ force: true, v: true }).catch(() => undefined);
        throw e;
      }
    } finally {
      if (disk) await this.opts.disks!.release(disk);
    }
    const instance = instanceFromContainer(await container.inspect());
    this.log.info('instance-started', { instance: container.id, app: spec.appName, dyno, address: instance.address?.host });
    return instance;
  }

  async stop(id: string, opts: { graceMs?: number } = {}): Promise<void> {
    const container = this.docker.getContainer(id);
    const graceMs = opts.graceMs ?? this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    try {
      // The engine sends the image's stop signal (SIGTERM), then SIGKILL after t seconds, and
      // answers once the container is gone.
      await container.stop({ t: Math.max(1, Math.ceil(graceMs / 1000)) });
      this.log.info('instance-stopped', { instance: id });
    } catch (e) {
      // 304: it had already stopped; 404: no such container. Both mean "not running".
      if (isNotFound(e) || (e as EngineError).statusCode === 304) return;
      throw e;
    }
  }

  async list(filter: { appId?: string } = {}): Promise<Instance[]> {
    const label = [`${LABEL.managed}=1`, `${SCOPE_LABEL}=${this.scope}`, `${LABEL.role}=formation`];
    if (filter.appId !== undefined) label.push(`${LABEL.appId}=${filter.appId}`);
    const summaries = await this.docker.listContainers({ all: true, filters: { label } });
    const instances: Instance[] = [];
    for (const summary of summaries) {
      const instance = await this.inspect(summary.Id);
      if (instance) instances.push(instance);
    }
    return instances;
  }

  async inspect(id: string): Promise<Instance | undefined> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      const labels = info.Config.Labels ?? {};
      if (labels[SCOPE_LABEL] !== this.scope || labels[LABEL.role] !== 'formation') return undefined;
      return instanceFromContainer(info);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async *logs(id: string, opts: { follow: boolean; signal?: AbortSignal }): AsyncIterable<LogChunk> {
    if (!(await this.inspect(id))) return;
    const demuxer = new LogDemuxer();
    if (!opts.follow) {
      const bytes = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      yield* demuxer.push(bytes);
      yield* demuxer.flush();
      return;
    }
    if (opts.signal?.aborted) return;
    const stream = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: true })) as NodeJS.ReadableStream & { destroy(): void };
    const abort = () => stream.destroy();
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      for await (const bytes of stream as AsyncIterable<Buffer>) {
        for (const chunk of demuxer.push(bytes)) {
          if (opts.signal?.aborted) return;
          yield chunk;
        }
      }
      yield* demuxer.flush();
    } catch (e) {
      if (!opts.signal?.aborted) throw e;
    } finally {
      opts.signal?.removeEventListener('abort', abort);
      stream.destroy();
    }
  }

  async stats(id: string): Promise<InstanceStats | undefined> {
    const instance = await this.inspect(id);
    if (!instance || instance.status !== 'running') return undefined;
    return readContainerStats(this.docker, id);
  }

  async exec(spec: OneOffSpec): Promise<{ exitCode: number }> {
    await this.networks.ensure(spec.appName);
    // Heroku names one-off dynos run.<random>.
    const dyno = spec.dynoName ?? `run.${randomInt(1000, 10000)}`;
    const interactive = spec.stdin !== undefined;
    let disk = await this.opts.disks?.create(spec.size.diskMb);
    // Once the container started, its /app device detaches itself when the container ends.
    const releaseDisk = async () => {
      if (disk) await this.opts.disks!.release(disk);
      disk = undefined;
    };
    let stopOnAbort: (() => void) | undefined;
    try {
      const tty = spec.tty === true;
      const options = containerOptions(spec, { role: 'one-off', dyno, index: 0, interactive, tty }, await this.runPlan(spec, 'one-off'), disk);
      options.Labels![SCOPE_LABEL] = this.scope;
      const container = await this.docker.createContainer(options);
      try {
        const stream = (await container.attach({ stream: true, stdin: interactive, stdout: true, stderr: true, hijack: interactive })) as NodeJS.ReadWriteStream;
        const drained = new Promise<void>((resolve) => { stream.on('end', resolve); stream.on('close', resolve); stream.on('error', () => resolve()); });
        // With a TTY the engine sends the terminal's output as it is, one stream, no frames.
        if (tty) stream.pipe(spec.stdout, { end: false });
        else demuxTo(stream, spec.stdout, spec.stderr ?? spec.stdout);
        const exited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
        try {
          await container.start();
        } finally {
          await releaseDisk();
        }
        // `docker stop` is the same SIGTERM-then-SIGKILL as stop(); the wait above then resolves.
        stopOnAbort = () => void container.stop({ t: Math.ceil((this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS) / 1000) }).catch((e: EngineError & Error) => {
          if (e.statusCode !== 304 && !isNotFound(e)) this.log.warn('one-off-stop-failed', { dyno, error: e.message });
        });
        if (spec.signal?.aborted) stopOnAbort();
        else spec.signal?.addEventListener('abort', stopOnAbort, { once: true });
        if (spec.stdin) {
          spec.stdin.pipe(stream, { end: false });
          spec.stdin.once('end', () => stream.end());
        }
        const { StatusCode } = await exited;
        await drained;
        if (spec.stdin) spec.stdin.unpipe(stream);
        return { exitCode: StatusCode };
      } finally {
        if (stopOnAbort) spec.signal?.removeEventListener('abort', stopOnAbort);
        await this.removeContainer(container.id).catch((e: Error) => this.log.warn('one-off-remove-failed', { error: e.message }));
      }
    } finally {
      await releaseDisk();
      // An app that only ever runs one-offs has no instance whose removal would drop its network.
      await this.networks.removeIfUnused(spec.appName).catch((e: Error) => this.log.warn('network-remove-failed', { app: spec.appName, error: e.message }));
    }
  }

  /** How the command runs in the spec's image, read from the image itself (its labels, WORKDIR, ENTRYPOINT, EXPOSE). */
  private async runPlan(spec: Pick<InstanceSpec, 'slug' | 'command'>, role: 'formation' | 'one-off'): Promise<ImageRunPlan> {
    if (!isImageReference(spec.slug)) throw new BerthError('start_refused', `${spec.slug} is not an image reference.`);
    return runPlanOf(await this.docker.getImage(spec.slug).inspect(), spec.command, role);
  }

  /**
   * Force-removes a container; one already gone is fine, and one whose removal is already under way
   * (another caller's, or the engine's own) is waited for rather than reported as a failure.
   */
  private async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
      if (isNotFound(e)) return;
      if (!isRemovalInProgress(e)) throw e;
      const deadline = Date.now() + REMOVAL_WAIT_MS;
      while (await this.docker.getContainer(id).inspect().then(() => true, (err: unknown) => !isNotFound(err))) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async stopLeftoverOneOffs(): Promise<number> {
    const label = [`${LABEL.managed}=1`, `${SCOPE_LABEL}=${this.scope}`, `${LABEL.role}=one-off`];
    const leftovers = await this.docker.listContainers({ all: true, filters: { label } });
    for (const c of leftovers) {
      await this.removeContainer(c.Id);
      this.log.info('one-off-leftover-stopped', { container: c.Id, dyno: c.Labels[LABEL.dyno] });
    }
    return leftovers.filter((c) => c.State === 'running').length;
  }

  onExit(listener: (instance: Instance) => void): () => void {
    // Opened here too, so that instances adopted (never started by us) report their exits.
    void this.events.open().catch((e: Error) => this.log.error('docker-events-failed', { error: e.message }));
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async remove(id: string): Promise<void> {
    const instance = await this.inspect(id);
    if (!instance) return;
    await this.removeContainer(id);
    this.log.info('instance-removed', { instance: id });
    await this.networks.removeIfUnused(instance.appName).catch((e: Error) => this.log.warn('network-remove-failed', { app: instance.appName, error: e.message }));
  }

  /** What a killed Berth of this scope left: /app devices never handed to a started container. */
  async removeLeftovers(): Promise<void> {
    const devices = await this.opts.disks?.removeLeftovers();
    if (devices) this.log.info('instance-disks-released', { devices });
  }

  /** Stops watching the engine; the containers keep running for the next Berth to adopt. */
  detach(): void {
    this.detached = true;
    this.events.close();
  }

  private async reportExit(id: string): Promise<void> {
    if (this.detached) return;
    const instance = await this.inspect(id).catch(() => undefined);
    if (!instance || instance.status !== 'exited') return;
    this.log.info('instance-exited', { instance: id, dyno: instance.name, exitCode: instance.exitCode });
    for (const listener of this.listeners) {
      try {
        listener(instance);
      } catch (e) {
        this.log.error('exit-listener-failed', { instance: id, error: (e as Error).message });
      }
    }
  }
}
