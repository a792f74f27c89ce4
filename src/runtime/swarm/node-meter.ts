// The one owner of "used" on a swarm, and of every task's CPU, memory and disk: what the node
// meter's global service (meter-service-spec.ts) prints on each node, read from the manager's
// service logs API — which reaches every node and names the node of each line — keeping the latest
// two readings per node and the latest reading per container; disk readings are passed on as they
// come (the swarm runtime holds instances to their size's disk with them). Berth talks to the manager's engine only; this
// works for the manager and every other node alike.
import type Docker from 'dockerode';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { Resources } from '../fleet.js';
import type { InstanceStats } from '../runtime.js';
import { LABEL } from '../docker/container-labels.js';
import { SCOPE_LABEL } from '../docker/docker-runtime.js';
import { LogDemuxer } from '../docker/log-demux.js';
import { diskMeterServiceName, METER_ROLE, METER_SPEC_LABEL, meterServiceName, meterServiceSpecs } from './meter-service-spec.js';
import { parseContainerReading, parseDiskReading, parseReading, splitServiceLogLine, usageBetween, type DiskReading, type NodeReading } from './node-reading.js';

export type MeterEngine = Pick<Docker, 'listServices' | 'createService' | 'getService'>;

export interface NodeMeterOptions {
  manager: MeterEngine;
  /** Whose meter (one per BERTH_HOME: the runtime's scope). */
  scope: string;
  /** Berth's stack image as the nodes pull it from Berth's registry (pushed there first). */
  image: () => Promise<string>;
  clock: Clock;
  logger: Logger;
  /** Seconds between two readings of a node (default 5). */
  intervalSeconds?: number;
  /** Seconds between two readings of an instance's disk (default 30). */
  diskIntervalSeconds?: number;
}

interface NodeReadings { taskId: string; earlier?: NodeReading; later: NodeReading; receivedAt: number }
interface ContainerReadings { stats: InstanceStats; receivedAt: number }

/** A task's CPU and memory by its container id, as SwarmRuntime.stats asks for them. */
export interface ContainerStatsSource {
  containerStats(containerId: string): InstanceStats | undefined;
}

/** Each disk reading of an instance's working directory as it arrives, by container id. */
export interface ContainerDiskSource {
  onDiskReading(listener: (reading: DiskReading) => void): () => void;
}

type ServiceInfo = { ID: string; Version?: { Index?: number }; Spec?: { Name?: string; Labels?: Record<string, string> } };

const MAX_RETRY_MS = 60_000;

export class NodeMeter implements ContainerStatsSource, ContainerDiskSource {
  private readonly readings = new Map<string, NodeReadings>();
  private readonly diskListeners = new Set<(reading: DiskReading) => void>();
  private readonly containers = new Map<string, ContainerReadings>();
  private lastSweep = 0;
  private readonly intervalSeconds: number;
  private readonly diskIntervalSeconds: number;

  constructor(private readonly opts: NodeMeterOptions) {
    this.intervalSeconds = opts.intervalSeconds ?? 5;
    this.diskIntervalSeconds = opts.diskIntervalSeconds ?? 30;
  }

  onDiskReading(listener: (reading: DiskReading) => void): () => void {
    this.diskListeners.add(listener);
    return () => this.diskListeners.delete(listener);
  }

  /**
   * The machine's use on a node over its last two readings; null until the node's meter has printed
   * twice, or when it has been silent for three intervals (its task is gone, starting, or the node is
   * unreachable): an old figure would look current.
   */
  used(nodeId: string): Resources | null {
    const r = this.readings.get(nodeId);
    if (!r?.earlier || this.isStale(r.receivedAt)) return null;
    return usageBetween(r.earlier, r.later) ?? null;
  }

  /**
   * A container's latest reading on whatever node it runs; undefined before its node's meter has
   * printed it, or when no meter has for three intervals (it stopped, or its node is silent): the
   * sampler skips it rather than record an old figure as current.
   */
  containerStats(containerId: string): InstanceStats | undefined {
    const r = this.containers.get(containerId);
    return r && !this.isStale(r.receivedAt) ? { ...r.stats, readAt: r.receivedAt } : undefined;
  }

  private isStale(receivedAt: number): boolean {
    return this.opts.clock.now() - receivedAt > 3 * this.intervalSeconds * 1000;
  }

  /** Keeps both meter services as Berth wants them and follows their logs until the signal aborts; each retries with backoff. */
  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([meterServiceName(this.opts.scope), diskMeterServiceName(this.opts.scope)].map((name) => this.keep(name, signal)));
  }

  private async keep(name: string, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let read = 0;
      try {
        const id = await this.ensureService(name);
        read = await this.follow(id, signal);
      } catch (e) {
        if (signal.aborted) break;
        this.opts.logger.warn('node-meter-unavailable', { service: name, error: (e as Error).message });
      }
      failures = read > 0 ? 0 : failures + 1;
      // A stream that ended after readings (the manager restarted, the service was replaced) is followed again after a second.
      const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** Math.max(0, failures - 1));
      await this.opts.clock.sleep(delay, signal).catch(() => undefined);
    }
  }

  /** Takes one line of the service's logs (with their details): a reading of the node that printed it, or of a container on it. */
  take(line: string): boolean {
    const split = splitServiceLogLine(line);
    if (!split) return false;
    const disk = parseDiskReading(split.message);
    if (disk) {
      for (const listener of this.diskListeners) {
        try {
          listener(disk);
        } catch (e) {
          this.opts.logger.error('disk-listener-failed', { error: (e as Error).message });
        }
      }
      return true;
    }
    const container = parseContainerReading(split.message);
    if (container) {
      this.takeContainer(container.containerId, container.stats);
      return true;
    }
    const reading = parseReading(split.message);
    if (!reading) return false;
    const last = this.readings.get(split.nodeId);
    // A reading of another task (the meter's task was replaced) never pairs with one of the old task's.
    const earlier = last?.taskId === split.taskId ? last.later : undefined;
    this.readings.set(split.nodeId, { taskId: split.taskId, earlier, later: reading, receivedAt: this.opts.clock.now() });
    return true;
  }

  /**
   * Keeps the reading with the most CPU time: a container's counter only grows, so a lower one is an
   * older reading arriving late — from another meter that sees the same cgroup tree (nodes sharing
   * one kernel's cgroups, as containers do in the test swarm), or a line delayed in the logs.
   */
  private takeContainer(containerId: string, stats: InstanceStats): void {
    const now = this.opts.clock.now();
    const kept = this.containers.get(containerId);
    if (!kept || this.isStale(kept.receivedAt) || stats.cpuSeconds >= kept.stats.cpuSeconds) this.containers.set(containerId, { stats, receivedAt: now });
    // Containers that ended leave: the map holds what ran in the last few intervals, no more.
    if (now - this.lastSweep > this.intervalSeconds * 1000) {
      this.lastSweep = now;
      for (const [id, r] of this.containers) if (this.isStale(r.receivedAt)) this.containers.delete(id);
    }
  }

  /** Creates the named meter service once, or updates it when its spec differs from the one this Berth wants; its id. */
  private async ensureService(name: string): Promise<string> {
    const { manager, scope, logger } = this.opts;
    const specs = meterServiceSpecs({ scope, image: await this.opts.image(), intervalSeconds: this.intervalSeconds, diskIntervalSeconds: this.diskIntervalSeconds });
    const spec = specs.find((s) => s.Name === name)!;
    const wanted = spec.Labels![METER_SPEC_LABEL];
    const current = ((await manager.listServices({ filters: { label: meterLabels(scope) } })) as ServiceInfo[]).find((s) => s.Spec?.Name === name);
    if (!current) {
      const created = (await manager.createService(spec)) as { id?: string; ID?: string };
      logger.info('node-meter-created', { service: spec.Name });
      return created.id ?? created.ID!;
    }
    if (current.Spec?.Labels?.[METER_SPEC_LABEL] !== wanted) {
      await manager.getService(current.ID).update({ _query: { version: current.Version?.Index }, _body: spec } as never);
      logger.info('node-meter-updated', { service: spec.Name });
    }
    return current.ID;
  }

  /** Follows the service's logs; the number of readings taken before the stream ended. */
  private async follow(id: string, signal: AbortSignal): Promise<number> {
    if (signal.aborted) return 0;
    // tail: the last readings of each task, so every node has a figure one interval after a (re)start.
    const stream = (await this.opts.manager.getService(id).logs({ stdout: true, follow: true, details: true, tail: 2 } as never)) as unknown as NodeJS.ReadableStream & { destroy(): void };
    const close = () => stream.destroy();
    signal.addEventListener('abort', close, { once: true });
    const demuxer = new LogDemuxer();
    let read = 0;
    try {
      for await (const bytes of stream as AsyncIterable<Buffer>) {
        for (const chunk of demuxer.push(bytes)) if (this.take(chunk.line)) read++;
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    } finally {
      signal.removeEventListener('abort', close);
      stream.destroy();
    }
    return read;
  }
}

/** Removes this scope's meter services (Berth now runs another runtime); how many were removed. */
export async function removeNodeMeter(manager: Pick<Docker, 'listServices' | 'getService'>, scope: string): Promise<number> {
  const services = (await manager.listServices({ filters: { label: meterLabels(scope) } })) as ServiceInfo[];
  for (const s of services) await manager.getService(s.ID).remove();
  return services.length;
}

const meterLabels = (scope: string): string[] => [`${LABEL.managed}=1`, `${SCOPE_LABEL}=${scope}`, `${LABEL.role}=${METER_ROLE}`];
