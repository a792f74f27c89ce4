// The container an instance runs in: labels, limits from the formation size, and the hardening
// every instance gets (no capabilities, no-new-privileges, a non-root user, a read-only root
// filesystem with a tmpfs /tmp and a writable working directory, its app's own network, no Docker
// socket, no host paths). How the command runs in the image is the ImageRunPlan's business.
import { cpus } from 'node:os';
import type Docker from 'dockerode';
import type { InstanceSize } from '../../domain/sizes.js';
import type { InstanceSpec } from '../runtime.js';
import { LABEL, networkName } from './container-labels.js';
import type { ImageRunPlan } from './image-run-plan.js';

/** The non-root user of the stack image (`dyno`); images of their own without one run as it too. */
export const DYNO_USER = '1000:1000';

export interface ContainerRole {
  role: 'formation' | 'one-off';
  dyno: string;
  index: number;
  /** One-offs keep stdin open for `berth run`. */
  interactive?: boolean;
  /** A one-off on a terminal: the engine's TTY (output one raw stream, not multiplexed). */
  tty?: boolean;
}

export function containerEnv(spec: Pick<InstanceSpec, 'env'>, dyno: string, plan: ImageRunPlan): string[] {
  // The release's config may set its own PATH; HOME, PORT and DYNO are the platform's.
  const env: Record<string, string> = {
    ...plan.env,
    ...spec.env,
    ...(plan.env.HOME ? { HOME: plan.env.HOME } : {}),
    PORT: String(plan.port),
    DYNO: dyno,
  };
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/**
 * plan: how the command runs in this image (image-run-plan). appDisk: a loop device holding an
 * empty filesystem of the size's disk limit (instance-disks), mounted as the plan's writable
 * directory; without one, that is an unlimited anonymous volume.
 */
export function containerOptions(spec: Omit<InstanceSpec, 'index'>, role: ContainerRole, plan: ImageRunPlan, appDisk?: string): Docker.ContainerCreateOptions {
  const labels: Record<string, string> = {
    [LABEL.managed]: '1',
    [LABEL.appId]: spec.appId,
    [LABEL.appName]: spec.appName,
    [LABEL.releaseId]: spec.releaseId,
    [LABEL.releaseVersion]: String(spec.releaseVersion),
    [LABEL.processType]: spec.processType,
    [LABEL.index]: String(role.index),
    [LABEL.dyno]: role.dyno,
    [LABEL.size]: spec.size.name,
    [LABEL.role]: role.role,
    [LABEL.port]: String(plan.port),
  };
  return {
    Image: spec.slug,
    ...(plan.entrypoint ? { Entrypoint: plan.entrypoint } : {}),
    ...(plan.cmd ? { Cmd: plan.cmd } : {}),
    WorkingDir: plan.workdir,
    User: DYNO_USER,
    Env: containerEnv(spec, role.dyno, plan),
    Labels: labels,
    Hostname: role.dyno.replace(/\./g, '-'),
    ExposedPorts: { [`${plan.port}/tcp`]: {} },
    // Heroku's /app is writable but ephemeral: an anonymous volume starts as a copy of the
    // image's working directory and is removed with the container, while the root filesystem
    // stays read-only.
    ...(appDisk ? {} : { Volumes: { [plan.appDir]: {} } }),
    OpenStdin: role.interactive ?? false,
    StdinOnce: role.interactive ?? false,
    AttachStdin: role.interactive ?? false,
    AttachStdout: role.role === 'one-off',
    AttachStderr: role.role === 'one-off',
    Tty: role.tty ?? false,
    StopSignal: 'SIGTERM',
    HostConfig: {
      ...limitsOf(spec.size),
      ...(appDisk ? { Mounts: [appVolume(appDisk, plan.appDir)] } : {}),
      // tini as PID 1 passes SIGTERM on to the app (a bare PID 1 would ignore it) and reaps zombies.
      Init: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=256m,mode=1777' },
      NetworkMode: networkName(spec.appName),
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
    },
    NetworkingConfig: { EndpointsConfig: { [networkName(spec.appName)]: {} } },
  };
}

function limitsOf(size: InstanceSize): Docker.HostConfig {
  const memory = size.memoryMb * 1024 * 1024;
  // The engine refuses more CPUs than the machine has.
  const cpu = Math.min(size.cpu, cpus().length);
  return { Memory: memory, MemorySwap: memory, NanoCpus: Math.round(cpu * 1e9), PidsLimit: size.pids };
}

/** An anonymous volume (removed with the container) on the instance's own size-limited filesystem. */
function appVolume(device: string, target: string): Docker.MountSettings {
  return {
    Type: 'volume', Source: '', Target: target,
    VolumeOptions: { NoCopy: false, Labels: {}, DriverConfig: { Name: 'local', Options: { type: 'ext4', device, o: 'nosuid,nodev' } } },
  };
}
