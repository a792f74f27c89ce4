// Picks the runtime driver and the builder that matches it. `BERTH_RUNTIME=auto` takes docker
// when a Docker engine answers and the stack image can be had (it exists, or debootstrap can
// make it), local otherwise; `local` or `docker` override the choice either way. `swarm` runs
// instances as Swarm services on a manager (BERTH_SWARM_MANAGER, default Berth's own engine); auto
// picks it when that engine is an active swarm manager and BERTH_SWARM_REGISTRY is set.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Docker from 'dockerode';
import type { AppBuilder } from '../build/app-builder.js';
import { DockerImageBuilder } from '../build/docker/docker-image-builder.js';
import { DockerConfigCredentials } from '../build/docker/registry-credentials.js';
import { DEBOOTSTRAP_BASE, imageExists, STACK_IMAGE } from '../build/docker/stack-image.js';
import { HostSlugBuilder } from '../build/host-slug-builder.js';
import { NodeReleaseCache } from '../build/buildpacks/nodejs/node-release-cache.js';
import { NodeReleaseFetcher } from '../build/buildpacks/nodejs/node-release-fetcher.js';
import { NpmRegistryNodeReleases } from '../build/buildpacks/nodejs/npm-registry.js';
import type { Logger } from '../platform/logger.js';
import { systemClock } from '../platform/clock.js';
import { BridgeSandboxNetwork } from '../platform/sandbox-network/bridge-sandbox-network.js';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { InstanceDisks } from '../runtime/docker/instance-disks.js';
import type { Fleet } from '../runtime/fleet.js';
import { ImagePublisher } from '../runtime/swarm/image-publisher.js';
import { ImageRegistry } from '../runtime/swarm/image-registry.js';
import { NodeMeter, removeNodeMeter } from '../runtime/swarm/node-meter.js';
import { RegistryApi } from '../runtime/swarm/registry-api.js';
import { RegistryCleanup } from '../runtime/swarm/registry-cleanup.js';
import { SwarmFleet } from '../runtime/swarm/swarm-fleet.js';
import { SwarmRuntime } from '../runtime/swarm/swarm-runtime.js';
import { LocalBuildSandbox } from '../runtime/local/local-build-sandbox.js';
import { LocalRuntime } from '../runtime/local/local-runtime.js';
import type { Runtime } from '../runtime/runtime.js';
import { RegistryPruningBuilder } from './registry-pruning-builder.js';
import type { Settings } from './settings.js';
import { currentPrivileges, type Privileges } from '../platform/privileges.js';

export interface RuntimeChoice {
  runtime: Runtime;
  builder: AppBuilder;
  /** Why this runtime, for the startup line. */
  reason: string;
  /** Stops watching instances without stopping them (the next server adopts them). */
  detach(): void;
  /** The host's address on the instances' own network (local runtime, sandboxed), for add-on servers to listen on. */
  sandboxGateway(): Promise<{ address: string; subnet: string } | undefined>;
  /** The machines instances run on (`berth nodes`); only on the swarm runtime. */
  fleet?: Fleet;
  /** Deletes a destroyed app's images where they live besides Berth's engine (the swarm's registry). */
}

export async function chooseRuntime(settings: Settings, paths: { runtime: string; slugs: string; cache: string; buildWork: string }, logger: Logger, privileges: Privileges = currentPrivileges()): Promise<RuntimeChoice> {
  const log = logger.child({ component: 'runtime' });
  if (settings.runtime === 'swarm') return chooseSwarm(settings, log, logger);
  // auto takes swarm when the engine is an active swarm manager and the operator said where the registry listens.
  if (settings.runtime === 'auto' && settings.swarmRegistry) {
    const docker = new Docker();
    const problem = (await dockerProblem(docker, privileges)) ?? (await swarmManagerProblem(managerEngine(settings, docker), settings));
    if (!problem) return chooseSwarm(settings, log, logger);
    log.info('runtime-swarm-unavailable', { reason: problem });
  }
  if (settings.runtime !== 'local') {
    const docker = new Docker();
    const problem = await dockerProblem(docker, privileges);
    if (!problem) {
      // One scope per BERTH_HOME: two Berths sharing an engine never adopt each other's containers.
      const scope = createHash('sha256').update(settings.home).digest('hex').slice(0, 12);
      const disks = new InstanceDisks(path.join(settings.home, 'instance-disks'), log);
      const runtime = new DockerRuntime({ docker, logger: log, scope, disks });
      const builder = new DockerImageBuilder(docker, logger.child({ component: 'build' }), {
        scope, nodeReleases: nodeReleaseFetcher(settings), registryCredentials: new DockerConfigCredentials(settings.dockerConfig),
      });
      // What a killed Berth of this BERTH_HOME left on the engine goes before anything new starts.
      await runtime.removeLeftovers();
      await builder.removeBuildLeftovers();
      await retireNodeMeter(docker, scope, log);
      return {
        runtime, builder,
        reason: settings.runtime === 'docker' ? 'BERTH_RUNTIME=docker' : 'a Docker engine answers', detach: () => runtime.detach(),
        sandboxGateway: async () => undefined,
      };
    }
    if (settings.runtime === 'docker') throw new Error(`BERTH_RUNTIME=docker, but ${problem}`);
    log.info('runtime-docker-unavailable', { reason: problem });
  }
  // One bridge for instances and builds: each gets a namespace of its own on an isolated port.
  const network = new BridgeSandboxNetwork({ bridge: settings.sandboxBridge, subnet: settings.sandboxSubnet });
  const runtime = new LocalRuntime({ stateDir: paths.runtime, logger: log, network, privileges });
  // Start-up, before anything new runs: running instances are adopted and what a crashed Berth
  // left (one-off state, build sandboxes and workspaces) is killed and removed.
  const mode = await runtime.mode();
  const sandbox = mode === 'isolated' ? new LocalBuildSandbox({ stateDir: paths.runtime, network }) : undefined;
  const builder = new HostSlugBuilder({ slugs: paths.slugs, cache: paths.cache, work: paths.buildWork }, sandbox, nodeReleaseFetcher(settings));
  await builder.removeLeftovers();
  return {
    runtime, builder,
    reason: settings.runtime === 'local' ? 'BERTH_RUNTIME=local' : 'no usable Docker engine', detach: () => runtime.detach(),
    sandboxGateway: () => runtime.gateway(),
  };
}

/**
 * BERTH_RUNTIME=swarm: the manager's engine (BERTH_SWARM_MANAGER, or else the engine Berth talks to:
 * DOCKER_HOST or the local socket) must be an active swarm manager; builds run on Berth's own
 * engine, and Berth's registry (BERTH_SWARM_REGISTRY) carries the images to every node.
 */
async function chooseSwarm(settings: Settings, log: Logger, logger: Logger): Promise<RuntimeChoice> {
  const docker = new Docker();
  const manager = managerEngine(settings, docker);
  const problem = (await dockerProblem(docker)) ?? (await swarmManagerProblem(manager, settings));
  if (problem) throw new Error(`BERTH_RUNTIME=swarm, but ${problem}`);
  if (!settings.swarmRegistry) throw new Error('BERTH_RUNTIME=swarm needs BERTH_SWARM_REGISTRY=host[:port]: an address of this machine every swarm node reaches, where Berth serves app images');
  const scope = createHash('sha256').update(settings.home).digest('hex').slice(0, 12);
  const registry = await ImageRegistry.start({ dir: path.join(settings.home, 'registry'), ...settings.swarmRegistry });
  // This engine pushes there, so it trusts Berth's CA for that address like every node does.
  await trustRegistry(registry);
  const publisher = new ImagePublisher(docker, registry.address);
  // Every node's use and every task's CPU and memory, the manager's included, from Berth's meter
  // service on each node (read through the manager's service logs: other nodes' engines are not
  // exposed). It runs from Berth's stack image, pushed to the registry like an app image (once the
  // stack exists: it retries until then).
  const meter = new NodeMeter({ manager, scope, image: () => publisher.publish(STACK_IMAGE), clock: systemClock, logger: logger.child({ component: 'node-meter' }) });
  // One-offs run on the manager's engine: when that is this machine's, their /app gets a loop device as on docker.
  const oneOffDisks = settings.swarmManager ? undefined : new InstanceDisks(path.join(settings.home, 'instance-disks'), log);
  const runtime = new SwarmRuntime({ manager, local: docker, images: publisher, logger: log, scope, containerStats: meter, containerDisks: meter, oneOffDisks });
  const metering = new AbortController();
  meter.start(metering.signal).catch((e: Error) => log.error('node-meter-stopped', { error: e.message }));
  const fleet = new SwarmFleet({ manager, scope, registry, usage: meter, logger: logger.child({ component: 'fleet' }) });
  const imageBuilder = new DockerImageBuilder(docker, logger.child({ component: 'build' }), {
    scope, nodeReleases: nodeReleaseFetcher(settings), registryCredentials: new DockerConfigCredentials(settings.dockerConfig),
  });
  await imageBuilder.removeBuildLeftovers();
  // Images of pruned builds and destroyed apps leave the registry too.
  const cleanup = new RegistryCleanup({
    publisher, api: new RegistryApi(registry.address, registry.caCertificate), garbageCollect: () => registry.garbageCollect(), logger: log,
  });
  const builder = new RegistryPruningBuilder(imageBuilder, cleanup, log);
  return {
    runtime, builder, fleet, reason: settings.runtime === 'swarm' ? 'BERTH_RUNTIME=swarm' : 'the Docker engine is a swarm manager',
    detach: () => { metering.abort(); runtime.detach(); registry.stop(); },
    sandboxGateway: async () => undefined,
  };
}

/**
 * Removes the node meter a swarm Berth of this BERTH_HOME left on this engine: with another runtime
 * nobody reads it. Only a swarm manager can have one; no engine, or no swarm, is nothing to do.
 */
async function retireNodeMeter(docker: Docker, scope: string, log: Logger): Promise<void> {
  const info = (await docker.info().catch(() => ({}))) as { Swarm?: { ControlAvailable?: boolean } };
  if (!info.Swarm?.ControlAvailable) return;
  const removed = await removeNodeMeter(docker, scope).catch((e: Error) => {
    log.warn('node-meter-remove-failed', { error: e.message });
    return 0;
  });
  if (removed > 0) log.info('node-meter-removed', { scope });
}

/** The swarm manager's engine: the one BERTH_SWARM_MANAGER names, else the engine Berth builds on. */
function managerEngine(settings: Settings, local: Docker): Docker {
  return settings.swarmManager ? new Docker(settings.swarmManager) : local;
}

async function swarmManagerProblem(manager: Docker, settings: Settings): Promise<string | undefined> {
  // Named, so the operator sees which engine is meant when it is not the one Berth builds on.
  const engine = settings.swarmManager ? `the engine BERTH_SWARM_MANAGER names (${describeEngine(settings.swarmManager)})` : 'the Docker engine';
  if (settings.swarmManager) {
    const unreachable = await manager.ping().then(() => undefined, (e: Error) => e.message);
    if (unreachable) return `no Docker engine answers at BERTH_SWARM_MANAGER ${describeEngine(settings.swarmManager)} (${unreachable})`;
  }
  const info = (await manager.info().catch(() => ({}))) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  if (info.Swarm?.LocalNodeState !== 'active') return `${engine} is not part of a swarm (docker swarm init)`;
  if (!info.Swarm.ControlAvailable) return `${engine} is a swarm worker, not a manager`;
  return undefined;
}

function describeEngine(address: NonNullable<Settings['swarmManager']>): string {
  return 'socketPath' in address ? `unix://${address.socketPath}` : `tcp://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

async function trustRegistry(registry: ImageRegistry): Promise<void> {
  const dir = path.join('/etc/docker/certs.d', registry.address);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'ca.crt'), registry.caCertificate);
}

/** Node.js releases for the Node.js buildpack, from the operator's npm registry, kept in one cache for every app. */
function nodeReleaseFetcher(settings: Settings): NodeReleaseFetcher {
  const source = new NpmRegistryNodeReleases({ registry: settings.npmRegistry });
  return new NodeReleaseFetcher({ source, cache: new NodeReleaseCache(settings.nodeReleasesDir, source, systemClock), clock: systemClock, whenUnspecified: settings.nodeDefault });
}

/** Undefined when Berth can run apps on this engine; otherwise why not. */
async function dockerProblem(docker: Docker, privileges: Privileges = currentPrivileges()): Promise<string | undefined> {
  try {
    await docker.ping();
  } catch (e) {
    return `no Docker engine answers (${(e as Error).message})`;
  }
  if ((await imageExists(docker, STACK_IMAGE)) || (await imageExists(docker, DEBOOTSTRAP_BASE))) return undefined;
  // Without the stack image, Berth must be able to build it: debootstrap (as root) is the path that needs no registry.
  if (privileges.root && ['/usr/sbin/debootstrap', '/usr/bin/debootstrap'].some((p) => existsSync(p))) return undefined;
  return `the stack image ${STACK_IMAGE} is missing and debootstrap (as root) is not available to build it`;
}
