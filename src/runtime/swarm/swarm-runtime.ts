// The `swarm` runtime driver: one Swarm service per instance (replicas 1, no restart policy) on
// the manager Berth talks to. Services carry the instance in labels (adoption is a label query);
// images are pushed to Berth's registry for the nodes to pull; each app gets an overlay network;
// exits come from the manager's task states; logs from the service logs API. One-offs run as
// containers on the manager's own engine, attached to the app's (attachable) overlay network, so
// `berth run` gets stdin, a terminal and the exit code exactly as with the docker runtime.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { BerthError } from '../../domain/errors.js';
import { isImageReference, SLUG_IMAGE_LABEL } from '../../domain/image-conventions.js';
import type { Logger } from '../../platform/logger.js';
import type { Instance, InstanceSpec, InstanceStats, LogChunk, OneOffSpec, Runtime } from '../runtime.js';
import { AppNetworks } from '../docker/app-networks.js';
import { LABEL, networkName } from '../docker/container-labels.js';
import { containerOptions } from '../docker/container-spec.js';
import { DockerRuntime, SCOPE_LABEL } from '../docker/docker-runtime.js';
import { runPlanOf } from '../docker/image-run-plan.js';
import type { InstanceDisks } from '../docker/instance-disks.js';
import { LogDemuxer } from '../docker/log-demux.js';
import { placeInstance, reservationOf } from '../../domain/placement.js';
import type { ImagePublisher } from './image-publisher.js';
import { readPlacementView } from './placement-view.js';
import { choosePublishedPort } from './published-ports.js';
import { serviceSpec } from './service-spec.js';
import { DiskLimitWatch } from './disk-limit-watch.js';
import type { ContainerDiskSource, ContainerStatsSource } from './node-meter.js';
import { TaskExitWatch } from './task-exit-watch.js';
import { addressOf, type SwarmNodeInfo } from './swarm-node-view.js';
import { currentTask, DISK_EXCEEDED_LABEL, DISK_LIMIT_LABEL, instanceFromTask, isTerminal, type NodeOfTask, type SwarmTask } from './task-instance.js';

export interface SwarmRuntimeOptions {
  /** A swarm manager's engine. */
  manager: Docker;
  /** Berth's own engine, where app images are built. */
  local: Docker;
  /** Pushes local images to Berth's registry. */
  images: ImagePublisher;
  /**
   * A task's CPU and memory by its container id, on whatever node it runs: Berth reaches only the
   * manager's engine, so this is the node meter (node-meter.ts). Without it, stats() reports nothing.
   */
  containerStats?: ContainerStatsSource;
  /**
   * What each task's working directory holds, as the node meter reads it: an instance over its
   * size's disk is stopped (disk-limit-watch.ts). Without it, the directory is not limited.
   */
  containerDisks?: ContainerDiskSource;
  /** Size-limited /app filesystems for one-offs, when the manager's engine is Berth's own machine's (instance-disks.ts). */
  oneOffDisks?: InstanceDisks;
  logger: Logger;
  scope?: string;
  /** SIGTERM-to-SIGKILL grace, fixed when the service is made (a task's stop timeout cannot change later). */
  stopGraceMs?: number;
}

type EngineError = { statusCode?: number };
const isNotFound = (e: unknown) => (e as EngineError).statusCode === 404;
const DEFAULT_STOP_GRACE_MS = 10_000;
/** Pulling an image onto a node the first time takes a while; a task still pending after this failed to start. */
const START_TIMEOUT_MS = 180_000;

type ServiceInfo = Docker.Service & { CreatedAt?: string; Version?: { Index?: number } };

export class SwarmRuntime implements Runtime {
  readonly name = 'swarm' as const;
  private readonly manager: Docker;
  private readonly log: Logger;
  private readonly scope: string;
  private readonly stopGraceMs: number;
  private readonly networks: AppNetworks;
  private readonly oneOffs: DockerRuntime;
  private readonly watch: TaskExitWatch;
  private readonly diskWatch: DiskLimitWatch;
  private readonly stopDiskReadings: () => void;
  private readonly listeners = new Set<(instance: Instance) => void>();
  /** Placements take turns: each one sees the task the previous one made (its node, its reservation). */
  private placing: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: SwarmRuntimeOptions) {
    this.manager = opts.manager;
    this.log = opts.logger;
    this.scope = opts.scope ?? 'default';
    this.stopGraceMs = opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.networks = new AppNetworks(this.manager, { [LABEL.managed]: '1', [SCOPE_LABEL]: this.scope }, { Driver: 'overlay', Attachable: true });
    this.oneOffs = new DockerRuntime({ docker: this.manager, logger: this.log, scope: this.scope, stopGraceMs: this.stopGraceMs, disks: opts.oneOffDisks });
    this.watch = new TaskExitWatch(() => this.list(), (i) => this.reportExit(i), this.log);
    this.diskWatch = new DiskLimitWatch((used) => this.holdToDisk(used), this.log);
    this.stopDiskReadings = opts.containerDisks?.onDiskReading((r) => this.diskWatch.take(r)) ?? (() => undefined);
  }

  async start(spec: InstanceSpec): Promise<Instance> {
    await this.watch.open();
    const dyno = `${spec.processType}.${spec.index}`;
    const local = await this.localImage(spec.slug);
    const image = await this.opts.images.publish(spec.slug);
    await this.networks.ensure(spec.appName);
    const name = `berth-${this.scope}-${randomBytes(5).toString('hex')}`.slice(0, 63);
    const reservation = reservationOf(spec.size);
    // A start that never ran (refused, or the engine failed) leaves no network behind it.
    const id = await this.inTurn(async () => {
      // In turn too: two starts at once must not pick the same free port.
      const publishedPort = choosePublishedPort(await this.publishedPorts());
      // A buildpack slug listens on whatever $PORT says, so it listens on the published port itself
      // (the port inside and outside agree, as on Heroku); an image of its own keeps its EXPOSEd port.
      const plan = runPlanOf(local, spec.command, 'formation');
      if (local.Config.Labels?.[SLUG_IMAGE_LABEL[0]] === SLUG_IMAGE_LABEL[1]) plan.port = publishedPort;
      const container = containerOptions(spec, { role: 'formation', dyno, index: spec.index }, plan);
      const { nodes, placed } = await readPlacementView(this.manager);
      const decision = placeInstance(nodes, placed, { appId: spec.appId, processType: spec.processType, dyno, reservation });
      if ('refused' in decision) throw new BerthError('start_refused', decision.refused);
      const options = serviceSpec(name, container, {
        image, network: networkName(spec.appName), port: plan.port, publishedPort, stopGraceMs: this.stopGraceMs, labels: { [SCOPE_LABEL]: this.scope, [DISK_LIMIT_LABEL]: String(spec.size.diskMb) },
        nodeId: decision.node.id, reservation,
      });
      const created = (await this.manager.createService(options).catch((e: unknown) => {
        if ((e as EngineError).statusCode === 400) throw new BerthError('start_refused', (e as Error).message);
        throw e;
      })) as unknown as { id?: string; ID?: string };
      const serviceId = created.id ?? created.ID!;
      await this.untilTaskMade(serviceId);
      return serviceId;
    }).catch(async (e: unknown) => {
      await this.dropNetworkIfUnused(spec.appName);
      throw e;
    });
    const instance = await this.untilStarted(id).catch(async (e: unknown) => {
      await this.dropNetworkIfUnused(spec.appName);
      throw e;
    });
    this.log.info('instance-started', { instance: id, app: spec.appName, dyno, address: instance.address?.host });
    return instance;
  }

  /** Runs one placement at a time, whatever became of the one before. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.placing.then(work, work);
    this.placing = turn.catch(() => undefined);
    return turn;
  }

  /** The orchestrator makes a new service's task a moment after the service: until then a placement would not see it. */
  private async untilTaskMade(id: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await this.tasks(id)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  /** Waits for the task to run (or to have run already); a task that could never run is removed and refused. */
  private async untilStarted(id: string): Promise<Instance> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const found = await this.read(id);
      if (!found) throw new Error(`service ${id} vanished while starting`);
      const { instance, task } = found;
      if (isTerminal(task) && !task?.Status?.ContainerStatus?.ContainerID) {
        await this.manager.getService(id).remove().catch(() => undefined);
        const why = task?.Status?.Err ?? task?.Status?.State ?? 'unknown';
        // No image or a spec the engine rejects fails the same way every time; a port taken on the node may not.
        if (/no such image|manifest unknown|not found|invalid/i.test(why)) throw new BerthError('start_refused', `the swarm could not start it: ${why}`);
        throw new Error(`the swarm could not start it: ${why}`);
      }
      if (instance.status === 'exited' || (task?.Status?.State === 'running' && instance.address)) return instance;
      if (Date.now() > deadline) throw new Error(`instance ${id} not running after ${START_TIMEOUT_MS / 1000} s (task ${task?.Status?.State ?? 'none'}: ${task?.Status?.Err ?? ''})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(id: string, opts: { graceMs?: number } = {}): Promise<void> {
    const found = await this.read(id);
    // An instance lost with its node is over already: nothing on a dead machine can be stopped.
    if (!found || found.instance.status === 'exited') return;
    await this.scaleToZero(found.service);
    const deadline = Date.now() + Math.max(opts.graceMs ?? 0, this.stopGraceMs) + 30_000;
    for (let now = await this.read(id); now?.instance.status === 'running'; now = await this.read(id)) {
      if (Date.now() > deadline) {
        throw new Error(`instance ${id} still running after stop (task ${now.task?.Status?.State ?? 'none'}, desired ${now.task?.DesiredState ?? '?'}, on ${now.instance.node?.name ?? '?'})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.log.info('instance-stopped', { instance: id });
  }

  /**
   * Scaling to zero makes the node's engine send SIGTERM, then SIGKILL after the service's stop
   * grace period: the one set at start (a task's stop timeout cannot change later). Labels given are
   * added to the service, where the instance read back from it finds them.
   */
  private async scaleToZero(service: ServiceInfo, labels: Record<string, string> = {}): Promise<void> {
    const spec = { ...service.Spec!, Labels: { ...service.Spec?.Labels, ...labels }, Mode: { Replicated: { Replicas: 0 } } };
    await this.manager.getService(service.ID).update({ _query: { version: service.Version?.Index }, _body: spec } as never).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }

  async list(filter: { appId?: string } = {}): Promise<Instance[]> {
    const found = await this.servicesWithTasks(filter);
    if (found.length === 0) return [];
    const nodes = await this.nodeInfo();
    return found.map(({ service, task }) => instanceFromTask(service, task, nodes));
  }

  /** This scope's instances' services, each with its current task. */
  private async servicesWithTasks(filter: { appId?: string }): Promise<Array<{ service: ServiceInfo; task: SwarmTask | undefined }>> {
    const label = [`${LABEL.managed}=1`, `${SCOPE_LABEL}=${this.scope}`, `${LABEL.role}=formation`];
    if (filter.appId !== undefined) label.push(`${LABEL.appId}=${filter.appId}`);
    const services = (await this.manager.listServices({ filters: { label } })) as ServiceInfo[];
    if (services.length === 0) return [];
    const tasks = (await this.manager.listTasks({ filters: { service: services.map((s) => s.ID) } })) as Array<SwarmTask & { ServiceID?: string }>;
    return services.map((service) => ({ service, task: currentTask(tasks.filter((t) => t.ServiceID === service.ID)) }));
  }

  /**
   * Stops each running instance whose working directory holds more than its size's disk (the limit
   * in its service's label), marking its service with what it held: its exit is then read back as
   * a crash with that reason. Instances of other scopes on the same nodes are their Berth's business.
   */
  private async holdToDisk(usedByContainer: ReadonlyMap<string, number>): Promise<void> {
    for (const { service, task } of await this.servicesWithTasks({})) {
      const used = usedByContainer.get(task?.Status?.ContainerStatus?.ContainerID ?? '');
      const limitMb = Number(service.Spec?.Labels?.[DISK_LIMIT_LABEL]);
      if (used === undefined || task?.Status?.State !== 'running' || !(limitMb > 0)) continue;
      const limit = limitMb * 1024 ** 2;
      if (used <= limit) continue;
      this.log.warn('instance-disk-exceeded', { instance: service.ID, dyno: service.Spec?.Labels?.[LABEL.dyno], usedBytes: used, limitBytes: limit });
      await this.scaleToZero(service, { [DISK_EXCEEDED_LABEL]: `${used}/${limit}` });
    }
  }

  async inspect(id: string): Promise<Instance | undefined> {
    return (await this.read(id))?.instance;
  }

  private async read(id: string): Promise<{ instance: Instance; task: SwarmTask | undefined; service: ServiceInfo } | undefined> {
    const service = await this.service(id);
    if (!service) return undefined;
    const task = currentTask(await this.tasks(id));
    const nodes = task?.NodeID ? await this.nodeInfo() : new Map<string, NodeOfTask>();
    return { instance: instanceFromTask(service, task, nodes), task, service };
  }

  /** The service when it is one of this scope's instances. */
  private async service(id: string): Promise<ServiceInfo | undefined> {
    try {
      const service = (await this.manager.getService(id).inspect()) as ServiceInfo;
      const labels = service.Spec?.Labels ?? {};
      return labels[SCOPE_LABEL] === this.scope && labels[LABEL.role] === 'formation' ? service : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private async tasks(serviceId: string): Promise<SwarmTask[]> {
    return (await this.manager.listTasks({ filters: { service: [serviceId] } })) as SwarmTask[];
  }

  /** Ports the swarm's services publish already (any scope's: they share the nodes). */
  private async publishedPorts(): Promise<Set<number>> {
    const services = await this.manager.listServices();
    return new Set(services.flatMap((s) => (s.Endpoint?.Ports ?? s.Spec?.EndpointSpec?.Ports ?? []).map((p) => p.PublishedPort ?? 0)));
  }

  private async nodeInfo(): Promise<Map<string, NodeOfTask>> {
    const nodes = (await this.manager.listNodes()) as SwarmNodeInfo[];
    return new Map(nodes.map((n) => [n.ID, { address: addressOf(n), name: n.Description?.Hostname ?? n.ID, state: n.Status?.State ?? 'unknown' }] as [string, NodeOfTask]));
  }

  async *logs(id: string, opts: { follow: boolean; signal?: AbortSignal }): AsyncIterable<LogChunk> {
    if (!(await this.service(id))) return;
    const demuxer = new LogDemuxer();
    const service = this.manager.getService(id);
    if (!opts.follow) {
      const bytes = (await service.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      yield* demuxer.push(bytes);
      yield* demuxer.flush();
      return;
    }
    if (opts.signal?.aborted) return;
    const stream = (await service.logs({ stdout: true, stderr: true, follow: true })) as NodeJS.ReadableStream & { destroy(): void };
    // Service logs never end on their own (a service may get new tasks), so the stream is closed
    // once the task has ended and its last lines had time to travel from its node.
    let ended = false;
    const close = () => stream.destroy();
    opts.signal?.addEventListener('abort', close, { once: true });
    const untilExit = setInterval(() => {
      void this.inspect(id).then((i) => {
        if (!i || i.status === 'exited') {
          if (ended) close();
          ended = true; // closes on the next tick: lines still in flight arrive first
        }
      }, () => undefined);
    }, 500);
    try {
      for await (const bytes of stream as AsyncIterable<Buffer>) {
        for (const chunk of demuxer.push(bytes)) {
          if (opts.signal?.aborted) return;
          yield chunk;
        }
      }
    } catch (e) {
      if (!opts.signal?.aborted && !ended) throw e;
    } finally {
      clearInterval(untilExit);
      opts.signal?.removeEventListener('abort', close);
      stream.destroy();
    }
    if (!opts.signal?.aborted) yield* demuxer.flush();
  }

  async stats(id: string): Promise<InstanceStats | undefined> {
    const found = await this.read(id);
    const containerId = found?.task?.Status?.ContainerStatus?.ContainerID;
    if (!found || found.instance.status !== 'running' || !containerId) return undefined;
    // The manager's task status names the container on its node; the meter there read its cgroups.
    return this.opts.containerStats?.containerStats(containerId);
  }

  async exec(spec: OneOffSpec): Promise<{ exitCode: number }> {
    await this.localImage(spec.slug);
    const image = await this.opts.images.publish(spec.slug);
    await this.pullOnManager(image);
    await this.networks.ensure(spec.appName);
    return this.oneOffs.exec({ ...spec, slug: image });
  }

  async stopLeftoverOneOffs(): Promise<number> {
    const stopped = await this.oneOffs.stopLeftoverOneOffs();
    await this.oneOffs.removeLeftovers();
    return stopped;
  }

  onExit(listener: (instance: Instance) => void): () => void {
    // Opened here too, so that adopted instances (never started by this process) report their exits.
    this.watch.open().catch((e: Error) => this.log.error('swarm-watch-failed', { error: e.message }));
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async remove(id: string): Promise<void> {
    const service = await this.service(id);
    if (!service) return;
    await this.manager.getService(id).remove().catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
    this.watch.forget(id);
    this.log.info('instance-removed', { instance: id });
    await this.dropNetworkIfUnused(service.Spec?.Labels?.[LABEL.appName] ?? '');
  }

  /** The app's overlay network goes once none of its services is left; failing to remove it is only logged. */
  private async dropNetworkIfUnused(appName: string): Promise<void> {
    try {
      const left = await this.manager.listServices({ filters: { label: [`${SCOPE_LABEL}=${this.scope}`, `${LABEL.appName}=${appName}`] } });
      if (left.length === 0) await this.networks.removeIfUnused(appName);
    } catch (e) {
      this.log.warn('network-remove-failed', { app: appName, error: (e as Error).message });
    }
  }

  /** Stops watching; the services keep running for the next Berth to adopt. */
  detach(): void {
    this.watch.close();
    this.stopDiskReadings();
    this.diskWatch.close();
    this.oneOffs.detach();
  }

  private async localImage(slug: string): Promise<Docker.ImageInspectInfo> {
    if (!isImageReference(slug)) throw new BerthError('start_refused', `${slug} is not an image reference.`);
    try {
      return await this.opts.local.getImage(slug).inspect();
    } catch (e) {
      if (isNotFound(e)) throw new BerthError('start_refused', `no image ${slug}`);
      throw e;
    }
  }

  private async pullOnManager(image: string): Promise<void> {
    if (await this.manager.getImage(image).inspect().then(() => true, () => false)) return;
    const stream = (await this.manager.pull(image, { authconfig: { serveraddress: image.split('/')[0] } })) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => this.manager.modem.followProgress(stream, (e: Error | null, output: Array<{ error?: string }>) => {
      const failure = e ?? output.find((o) => o.error);
      if (failure) reject(failure instanceof Error ? failure : new Error(`pull of ${image} failed: ${failure.error}`));
      else resolve();
    }));
  }

  private reportExit(instance: Instance): void {
    this.log.info('instance-exited', { instance: instance.id, dyno: instance.name, exitCode: instance.exitCode });
    for (const listener of this.listeners) {
      try {
        listener(instance);
      } catch (e) {
        this.log.error('exit-listener-failed', { instance: instance.id, error: (e as Error).message });
      }
    }
  }
}
