// What an instance's own network costs at start and at removal on the local runtime: attaching a
// sandbox (named namespace, veth on the bridge, address, default route: two `ip -batch` runs) and
// detaching it, against creating and deleting a bare namespace with `ip netns`.
import { run } from '../../src/platform/exec.js';
import { BridgeSandboxNetwork } from '../../src/platform/sandbox-network/bridge-sandbox-network.js';
import { nowMs } from './stats.js';

export interface SandboxNetworkTimes { attach: number[]; detach: number[]; bareAdd: number[]; bareDelete: number[] }

/** Undefined when this machine cannot make sandbox networks (not root). */
export async function timeSandboxNetwork(rounds: number): Promise<SandboxNetworkTimes | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const network = new BridgeSandboxNetwork();
  await network.prepare();
  const times: SandboxNetworkTimes = { attach: [], detach: [], bareAdd: [], bareDelete: [] };
  for (let i = 0; i < rounds; i++) {
    const id = `bench-${process.pid}-${i}`;
    let t0 = nowMs();
    await network.attach(id);
    times.attach.push(nowMs() - t0);
    t0 = nowMs();
    await network.detach(id);
    times.detach.push(nowMs() - t0);

    const bare = `berth-bench-bare-${process.pid}-${i}`;
    t0 = nowMs();
    await run('/usr/sbin/ip', ['netns', 'add', bare]);
    times.bareAdd.push(nowMs() - t0);
    t0 = nowMs();
    await run('/usr/sbin/ip', ['netns', 'delete', bare]);
    times.bareDelete.push(nowMs() - t0);
  }
  return times;
}
