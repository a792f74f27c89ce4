// The local runtime's sandbox as a suite dependency: what detectIsolation() finds on this machine
// (root, util-linux, iproute2, iptables, overlayfs, cgroup v1), asked once per test file.
import { detectIsolation } from '../../src/runtime/local/detect-isolation.js';
import type { Dependency } from './require-dependency.js';

const isolation = await detectIsolation();

export const localSandbox: Dependency = {
  name: 'the local sandbox (root, util-linux, iproute2, iptables, overlayfs, cgroup v1 controllers)',
  check: () => (isolation.available ? undefined : isolation.reason),
  install: 'run the tests as root on Linux (bash scripts/install-test-deps.sh)',
};
