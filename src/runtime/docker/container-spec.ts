// The container an instance runs in: labels, limits from the formation size, and the hardening
// every instance gets (no capabilities, no-new-privileges, a non-root user, a read-only root
// filesystem with a tmpfs /tmp, its app's own network, no Docker socket, no host paths).
import { cpus } from 'node:os';
import type Docker from 'dockerode';
import type { InstanceSize } from '../../domain/sizes.js';
import type { InstanceSpec } from '../runtime.js';
import { CONTAINER_PORT, LABEL, networkName } from './container-labels.js';

/** The non-root user of the stack image (`dyno`); images of their own without one run as it too. */
export const DYNO_USER = '1000:1000';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * As on Heroku, .profile.d scripts are sourced before the command; the command arrives as "$1",
 * never as script text, so a config var or app name can never become shell code here.
 */
const WITH_PROFILE = 'for f in ./.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; exec /bin/bash -c "$1"';
/**
 * Formation instances write stderr into stdout: the engine copies the two pipes separately and
 * loses their relative order, while the app's log stream must keep it (as the local runtime's
 * single log file does). One-offs keep them apart for `berth run`.
 */
const WITH_PROFILE_MERGED = `${WITH_PROFILE} 2>&1`;

export interface ContainerRole {
  role: 'formation' | 'one-off';
  dyno: string;
  index: number;
  /** One-offs keep stdin open for `berth run`. */
  interactive?: boolean;
}

export function containerEnv(spec: Pick<InstanceSpec, 'env'>, dyno: string): string[] {
  const env: Record<string, string> = {
    ...spec.env,
    PATH: spec.env.PATH ?? `/app/bin:/app/node_modules/.bin:${SYSTEM_PATH}`,
    HOME: '/app',
    PORT: String(CONTAINER_PORT),
    DYNO: dyno,
  };
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/**
 * appDisk: a loop device holding an empty filesystem of the size's disk limit (instance-disks),
 * mounted as /app; without one, /app is an unlimited anonymous volume.
 */
export function containerOptions(spec: Omit<InstanceSpec, 'index'>, role: ContainerRole, appDisk?: string): Docker.ContainerCreateOptions {
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
  };
  return {
    Image: spec.slug,
    Entrypoint: ['/bin/bash', '-c', role.role === 'one-off' ? WITH_PROFILE : WITH_PROFILE_MERGED, 'berth'],
    Cmd: [spec.command],
    WorkingDir: '/app',
    User: DYNO_USER,
    Env: containerEnv(spec, role.dyno),
    Labels: labels,
    Hostname: role.dyno.replace(/\./g, '-'),
    ExposedPorts: { [`${CONTAINER_PORT}/tcp`]: {} },
    // Heroku's /app is writable but ephemeral: an anonymous volume starts as a copy of the
    // image's /app and is removed with the container, while the root filesystem stays read-only.
    ...(appDisk ? {} : { Volumes: { '/app': {} } }),
    OpenStdin: role.interactive ?? false,
    StdinOnce: role.interactive ?? false,
    AttachStdin: role.interactive ?? false,
    AttachStdout: role.role === 'one-off',
    AttachStderr: role.role === 'one-off',
    Tty: false,
    StopSignal: 'SIGTERM',
    HostConfig: {
      ...limitsOf(spec.size),
      ...(appDisk ? { Mounts: [appVolume(appDisk)] } : {}),
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
function appVolume(device: string): Docker.MountSettings {
  return {
    Type: 'volume', Source: '', Target: '/app',
    VolumeOptions: { NoCopy: false, Labels: {}, DriverConfig: { Name: 'local', Options: { type: 'ext4', device, o: 'nosuid,nodev' } } },
  };
}
