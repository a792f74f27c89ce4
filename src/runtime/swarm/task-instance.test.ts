import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { instanceFromTask, type NodeOfTask, type SwarmTask } from './task-instance.js';

const service = { ID: 'svc1', Spec: { Labels: { 'berth.app-id': 'a1', 'berth.dyno': 'web.2', 'berth.process-type': 'web', 'berth.index': '2' } } } as unknown as Docker.Service;
const running: SwarmTask = {
  NodeID: 'n3', DesiredState: 'running',
  Status: { State: 'running', Timestamp: '2026-01-01T00:00:00Z', ContainerStatus: { ContainerID: 'c1', ExitCode: 0 }, PortStatus: { Ports: [{ TargetPort: 5000, PublishedPort: 20001 }] } },
};
const nodes = (state: string) => new Map<string, NodeOfTask>([['n3', { address: '10.0.0.3', name: 'node3', state }]]);

describe('a swarm task read back as an instance', () => {
  it('is running, with its node and address, while its node is ready', () => {
    expect(instanceFromTask(service, running, nodes('ready'))).toMatchObject({ status: 'running', address: { host: '10.0.0.3', port: 20001 }, node: { id: 'n3', name: 'node3' } });
    expect(instanceFromTask(service, running, nodes('ready')).lostWith).toBeUndefined();
  });

  it('is exited with no exit code and lost with its node once the node is down, though the task still says running', () => {
    expect(instanceFromTask(service, running, nodes('down'))).toMatchObject({ status: 'exited', exitCode: null, address: null, lostWith: 'node3' });
  });

  it('is lost too when its node has left the swarm', () => {
    expect(instanceFromTask(service, running, new Map())).toMatchObject({ status: 'exited', exitCode: null, lostWith: 'n3' });
  });

  it('is an ordinary exit, not a loss, when the task ended before its node went down', () => {
    const ended: SwarmTask = { ...running, Status: { ...running.Status, State: 'failed', ContainerStatus: { ContainerID: 'c1', ExitCode: 3 } } };
    const instance = instanceFromTask(service, ended, nodes('down'));
    expect(instance).toMatchObject({ status: 'exited', exitCode: 3 });
    expect(instance.lostWith).toBeUndefined();
  });

  it('is exited once stopped (scaled to zero) and its task reaped, and still starting while a new service has no task yet', () => {
    const stopped = { ...service, Spec: { ...(service as { Spec: object }).Spec, Mode: { Replicated: { Replicas: 0 } } } } as unknown as Docker.Service;
    expect(instanceFromTask(stopped, undefined, new Map())).toMatchObject({ status: 'exited', exitCode: null });
    const fresh = { ...service, Spec: { ...(service as { Spec: object }).Spec, Mode: { Replicated: { Replicas: 1 } } } } as unknown as Docker.Service;
    expect(instanceFromTask(fresh, undefined, new Map()).status).toBe('running');
  });

  it('carries what it held and its limit once stopped for its disk (the label the runtime put on its service), and nothing while it runs', () => {
    const marked = { ...service, Spec: { ...(service as { Spec: { Labels: object } }).Spec, Labels: { ...(service as { Spec: { Labels: object } }).Spec.Labels, 'berth.disk-exceeded': '41943041/16777216' } } } as unknown as Docker.Service;
    const ended: SwarmTask = { ...running, Status: { ...running.Status, State: 'shutdown', ContainerStatus: { ContainerID: 'c1', ExitCode: 143 } } };
    expect(instanceFromTask(marked, ended, nodes('ready'))).toMatchObject({ status: 'exited', exitCode: 143, diskExceeded: { usedBytes: 41943041, limitBytes: 16777216 } });
    expect(instanceFromTask(marked, running, nodes('ready')).diskExceeded).toBeUndefined();
    expect(instanceFromTask(service, ended, nodes('ready')).diskExceeded).toBeUndefined();
  });
});
