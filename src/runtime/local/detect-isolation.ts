// Finds out whether this machine can sandbox instances (root, util-linux namespaces, iproute2 and
// iptables for their network, overlayfs, cgroup v1 controllers) and, when it cannot, says why in
// words an operator can act on.
import { access, mkdir, readFile, rmdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../platform/exec.js';
import { currentPrivileges, type Privileges } from '../../platform/privileges.js';
import { CGROUP_CONTROLLERS } from './cgroups.js';

export type IsolationReport = { available: true } | { available: false; reason: string };

export async function detectIsolation(cgroupRoot = '/sys/fs/cgroup', privileges: Privileges = currentPrivileges()): Promise<IsolationReport> {
  if (process.platform !== 'linux') return { available: false, reason: `namespaces need Linux, this is ${process.platform}` };
  if (!privileges.root) return { available: false, reason: 'not running as root' };
  const tools: [string, string][] = [
    ['/usr/bin/unshare', 'util-linux'], ['/usr/bin/setpriv', 'util-linux'], ['/usr/bin/nsenter', 'util-linux'],
    // The instance's own network namespace, veth and firewall rules.
    ['/usr/sbin/ip', 'iproute2'], ['/usr/sbin/iptables', 'iptables'], ['/usr/sbin/iptables-restore', 'iptables'],
  ];
  for (const [tool, pkg] of tools) {
    const ok = await access(tool, constants.X_OK).then(() => true, () => false);
    if (!ok) return { available: false, reason: `${tool} is missing (install ${pkg})` };
  }
  const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  if (!/\boverlay\b/.test(filesystems)) return { available: false, reason: 'the kernel has no overlay filesystem' };
  for (const controller of CGROUP_CONTROLLERS) {
    const probe = join(cgroupRoot, controller, 'berth', `probe-${process.pid}`);
    try {
      await mkdir(probe, { recursive: true });
      await rmdir(probe);
    } catch (e) {
      return { available: false, reason: `cgroup v1 controller "${controller}" is not usable: ${(e as Error).message}` };
    }
  }
  const trial = await run('/usr/bin/unshare', ['--pid', '--fork', '--mount', '--ipc', '--uts', '--mount-proc', '--', '/bin/true']).catch(
    (e: Error) => ({ code: -1, stderr: e.message, stdout: '' }),
  );
  if (trial.code !== 0) return { available: false, reason: `unshare failed: ${trial.stderr.trim() || `exit ${trial.code}`}` };
  return { available: true };
}
