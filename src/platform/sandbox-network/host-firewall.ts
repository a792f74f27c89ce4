// The host's packet filter for one sandbox bridge, in chains of Berth's own so that it never
// edits Docker's: sandboxes reach the outside through NAT (as dynos do on Heroku), never each
// other, never Docker's networks, and nothing from outside opens a connection into them; the
// gateway address (where add-on servers listen) answers only the host itself and the sandboxes.
// The chains are replaced whole with iptables-restore --noflush, so re-applying is idempotent.
import { run, runChecked } from '../exec.js';

const IPTABLES = '/usr/sbin/iptables';
const IPTABLES_RESTORE = '/usr/sbin/iptables-restore';

export const forwardChain = (bridge: string): string => `BERTH-FWD-${bridge}`;
export const natChain = (bridge: string): string => `BERTH-NAT-${bridge}`;
export const inputChain = (bridge: string): string => `BERTH-IN-${bridge}`;

/** The ruleset, as iptables-restore reads it; bridge, subnet and gateway were validated by the caller. */
export function firewallRules(bridge: string, subnet: string, gateway: string): string {
  const fwd = forwardChain(bridge);
  const nat = natChain(bridge);
  const input = inputChain(bridge);
  return [
    '*filter',
    `:${input} - [0:0]`,
    // Linux answers for any of its addresses on any interface: without this a LAN machine that
    // routes the sandbox subnet through this host would reach the add-on servers on the gateway.
    `-A ${input} -d ${gateway}/32 -i lo -j RETURN`,
    `-A ${input} -d ${gateway}/32 -i ${bridge} -j RETURN`,
    `-A ${input} -d ${gateway}/32 -j DROP`,
    `:${fwd} - [0:0]`,
    // Sandbox to sandbox, bridged (br_netfilter) or routed through the gateway: never.
    `-A ${fwd} -i ${bridge} -o ${bridge} -j DROP`,
    // Docker's networks are not "the outside": its own FORWARD rules come after ours and accept more.
    `-A ${fwd} -i ${bridge} -o docker0 -j DROP`,
    `-A ${fwd} -i ${bridge} -o br-+ -j DROP`,
    `-A ${fwd} -i ${bridge} -j ACCEPT`,
    `-A ${fwd} -o ${bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A ${fwd} -o ${bridge} -j DROP`,
    'COMMIT',
    '*nat',
    `:${nat} - [0:0]`,
    // The host's own connections to the gateway address leave through lo: keep their source, which
    // pg_hba and the other servers judge clients by.
    `-A ${nat} -o lo -j RETURN`,
    `-A ${nat} -s ${subnet} ! -o ${bridge} -j MASQUERADE`,
    'COMMIT',
    '',
  ].join('\n');
}

/** Installs the chains and the jumps into them (first in FORWARD: Docker sets its policy to DROP). */
export async function applyFirewall(bridge: string, subnet: string, gateway: string): Promise<void> {
  await runChecked(IPTABLES_RESTORE, ['-w', '5', '--noflush'], { input: firewallRules(bridge, subnet, gateway) });
  await ensureJump('filter', 'INPUT', inputChain(bridge));
  await ensureJump('filter', 'FORWARD', forwardChain(bridge));
  await ensureJump('nat', 'POSTROUTING', natChain(bridge));
}

async function ensureJump(table: string, chain: string, target: string): Promise<void> {
  const present = await run(IPTABLES, ['-w', '5', '-t', table, '-C', chain, '-j', target]);
  if (present.code === 0) return;
  await runChecked(IPTABLES, ['-w', '5', '-t', table, '-I', chain, '1', '-j', target]);
}
