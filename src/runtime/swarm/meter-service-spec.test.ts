// The meter service's spec: what it may touch on every node. The cgroup view is the one thing it
// gets beyond an instance's sandbox, and it gets it read-only, as nobody, without capabilities.
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { CGROUP_VIEW, meterServiceSpec } from './meter-service-spec.js';

describe('meter service spec', () => {
  const spec = meterServiceSpec({ scope: 's1', image: '10.0.0.1:5443/berth/stack:abc', intervalSeconds: 5 });
  const task = spec.TaskTemplate as { ContainerSpec: Docker.ContainerSpec; Resources: { Limits: Record<string, number> } };
  const container = task.ContainerSpec;

  it("binds the node's cgroup tree read-only and nothing else, and keeps the meter's hardening", () => {
    expect(container.Mounts).toEqual([{ Type: 'bind', Source: '/sys/fs/cgroup', Target: CGROUP_VIEW, ReadOnly: true }]);
    expect(container).toMatchObject({ User: '65534:65534', ReadOnly: true, CapabilityDrop: ['ALL'] });
    expect(task.Resources.Limits).toMatchObject({ MemoryBytes: 16 * 1024 ** 2, Pids: 8 });
  });

  it('passes the interval and the per-print cap as arguments, never inside the script', () => {
    expect(container.Command!.slice(3)).toEqual(['berth-meter', '5', '200']);
  });
});
