// The labels that make a container a Berth instance. Everything Berth needs to know about an
// instance after a restart is on the container itself, so adoption is a label query.
import type Docker from 'dockerode';
import { DEFAULT_APP_PORT } from '../../domain/image-conventions.js';
import type { Instance } from '../runtime.js';

export const LABEL = {
  managed: 'berth.managed',
  appId: 'berth.app-id',
  appName: 'berth.app-name',
  releaseId: 'berth.release-id',
  releaseVersion: 'berth.release-version',
  processType: 'berth.process-type',
  index: 'berth.index',
  dyno: 'berth.dyno',
  /** The size's name: the limits it was created with, so a resize can tell which containers are out of date. */
  size: 'berth.size',
  /** `formation` for instances, `one-off` for `berth run`: one-offs never show up in list(). */
  role: 'berth.role',
  /** The port the instance was told to listen on ($PORT): the image's one EXPOSEd port, or 5000. */
  port: 'berth.port',
} as const;

/** Containers started before the port label existed all listened on the default port. */
const LEGACY_PORT = DEFAULT_APP_PORT;

export const networkName = (appName: string) => `berth-${appName}`;

/** Reads an instance back from what the engine says about its container. */
/** What an instance's labels say it is: the same on a container (docker) and a service (swarm). */
export type LabelledIdentity = Pick<Instance, 'appId' | 'appName' | 'releaseId' | 'releaseVersion' | 'processType' | 'index' | 'name' | 'size'>;

export function identityFromLabels(labels: Readonly<Record<string, string>>): LabelledIdentity {
  return {
    appId: labels[LABEL.appId] ?? '',
    appName: labels[LABEL.appName] ?? '',
    releaseId: labels[LABEL.releaseId] ?? '',
    releaseVersion: Number(labels[LABEL.releaseVersion] ?? 0),
    processType: labels[LABEL.processType] ?? '',
    index: Number(labels[LABEL.index] ?? 0),
    name: labels[LABEL.dyno] ?? '',
    size: labels[LABEL.size] ?? null,
  };
}

export function instanceFromContainer(info: Docker.ContainerInspectInfo): Instance {
  const labels = info.Config.Labels ?? {};
  const appName = labels[LABEL.appName] ?? '';
  const network = info.NetworkSettings.Networks?.[networkName(appName)];
  const running = info.State.Running || info.State.Restarting || info.State.Paused;
  const exited = !running;
  const finished = info.State.FinishedAt && !info.State.FinishedAt.startsWith('0001') ? info.State.FinishedAt : null;
  return {
    id: info.Id,
    ...identityFromLabels(labels),
    status: exited ? 'exited' : 'running',
    // A container that never started (created, start failed) has no exit status to report.
    exitCode: exited && finished ? info.State.ExitCode : null,
    address: network?.IPAddress ? { host: network.IPAddress, port: Number(labels[LABEL.port] ?? LEGACY_PORT) } : null,
    startedAt: info.State.StartedAt && !info.State.StartedAt.startsWith('0001') ? info.State.StartedAt : info.Created,
    exitedAt: exited ? (finished ?? new Date().toISOString()) : null,
  };
}
