// The Swarm service one instance runs as, made from the very container options the docker runtime
// uses (container-spec.ts), so the hardening is written once: the same user, capabilities
// dropped, read-only root, tmpfs /tmp, ephemeral /app, init, limits from the size, labels, env.
// What a service cannot carry is said here: no-new-privileges is not a service option before API
// 1.46 (Docker 20.10 speaks 1.41), so each node's engine sets it for every container
// (`no-new-privileges` in daemon.json, which the node set-up writes).
import type Docker from 'dockerode';
import type { PlacementResources } from '../../domain/placement.js';

export interface ServiceShape {
  /** The image as nodes pull it (in Berth's registry). */
  image: string;
  /** The app's overlay network. */
  network: string;
  /** The port the instance listens on ($PORT). */
  port: number;
  /** Where its node publishes that port (host mode): what the router dials. */
  publishedPort: number;
  stopGraceMs: number;
  /** Labels beyond the container's own (the scope). */
  labels: Record<string, string>;
  /** The node placement chose (domain/placement.ts): the task runs there and nowhere else. */
  nodeId: string;
  /** What the instance's size reserves on that node (reservationOf). */
  reservation: PlacementResources;
}

export function serviceSpec(name: string, container: Docker.ContainerCreateOptions, shape: ServiceShape): Docker.CreateServiceOptions {
  const host = container.HostConfig ?? {};
  const labels = { ...container.Labels, ...shape.labels };
  const tmpfs: Docker.MountSettings[] = Object.entries(host.Tmpfs ?? {}).map(([target, options]) => ({
    Type: 'tmpfs', Target: target, TmpfsOptions: { SizeBytes: tmpfsSize(options), Mode: 0o1777 },
  }) as Docker.MountSettings);
  // An anonymous volume, as the docker runtime gives /app: a copy of the image's directory, gone with
  // the task. No engine option can size it on a node (disk-limit-watch.ts): the runtime holds it to
  // the size's disk by stopping an instance the node meter finds over.
  const volumes: Docker.MountSettings[] = Object.keys(container.Volumes ?? {}).map((target) => ({ Type: 'volume', Target: target, Source: '' }) as Docker.MountSettings);
  return {
    Name: name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: shape.image,
        Labels: labels,
        ...(container.Entrypoint ? { Command: container.Entrypoint as string[] } : {}),
        ...(container.Cmd ? { Args: container.Cmd as string[] } : {}),
        Env: container.Env,
        Dir: container.WorkingDir,
        User: container.User,
        Hostname: container.Hostname,
        Init: host.Init,
        ReadOnly: host.ReadonlyRootfs,
        CapabilityDrop: host.CapDrop,
        Mounts: [...tmpfs, ...volumes],
        StopSignal: container.StopSignal,
        StopGracePeriod: shape.stopGraceMs * 1e6,
      },
      // Reservations keep Swarm's own book of the node in step with Berth's placement; the limits are
      // the same numbers, so an instance uses no more than it reserved. The CPU limit is the size's
      // share itself: the container options cap it at Berth's own machine's cores, and placement has
      // already checked the chosen node has that much free.
      Resources: {
        Limits: { MemoryBytes: host.Memory, NanoCPUs: Math.round(shape.reservation.cpus * 1e9), Pids: host.PidsLimit } as Docker.ResourceRequirements['Limits'],
        Reservations: { MemoryBytes: shape.reservation.memoryBytes, NanoCPUs: Math.round(shape.reservation.cpus * 1e9) },
      },
      Placement: { Constraints: [`node.id==${shape.nodeId}`] },
      // Swarm never restarts a task: Berth's health manager does (crash backoff, R10, release switch; docs/HEALTH.md).
      RestartPolicy: { Condition: 'none' },
      Networks: [{ Target: shape.network }],
      LogDriver: { Name: host.LogConfig?.Type ?? 'json-file', Options: host.LogConfig?.Config ?? {} },
    },
    Mode: { Replicated: { Replicas: 1 } },
    // dnsrr and host-mode ports: no virtual IP and no ingress routing mesh (both need IPVS, which
    // hides the client address); the router reaches the task at its node's address and port.
    EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: shape.port, PublishedPort: shape.publishedPort, PublishMode: 'host' }] },
  };
}

/** `rw,nosuid,nodev,size=256m,mode=1777` → bytes. */
function tmpfsSize(options: string): number | undefined {
  const size = /(?:^|,)size=(\d+)([kmg]?)/i.exec(options);
  if (!size) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[size[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(size[1]) * unit;
}
