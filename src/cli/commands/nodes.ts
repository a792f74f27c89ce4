// nodes, nodes:join-command, nodes:drain, nodes:activate, nodes:remove: the fleet's machines
// (admin only, swarm runtime; a Berth extension, Heroku has no machines to show).
import type { FleetNode, NodeResources } from '../../client/api-types.js';
import { defineCommand } from '../command.js';
import { formatBytes } from '../output.js';

const cpus = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1).replace(/0+$/, ''));
/** `capacity / reserved / used`; used is `-` where the node's meter has no recent reading. */
const triple = (n: FleetNode, show: (r: NodeResources) => string): string => `${show(n.capacity)} / ${show(n.reserved)} / ${n.used ? show(n.used) : '-'}`;

const NODE_COLUMNS: ReadonlyArray<{ header: string; get: (n: FleetNode) => string }> = [
  { header: 'Name', get: (n) => n.name },
  { header: 'Address', get: (n) => n.address },
  { header: 'Role', get: (n) => (n.leader ? `${n.role} (leader)` : n.role) },
  { header: 'Availability', get: (n) => n.availability },
  { header: 'State', get: (n) => n.state },
  { header: 'Instances', get: (n) => String(n.instances) },
  { header: 'CPU cap/reserved/used', get: (n) => triple(n, (r) => cpus(r.cpus)) },
  { header: 'Memory cap/reserved/used', get: (n) => triple(n, (r) => formatBytes(r.memory_bytes)) },
];

export const nodes = defineCommand({
  name: 'nodes',
  aliases: ['nodes:list'],
  description: "list the fleet's machines: role, availability, state, instances, CPU and memory (admin only, swarm runtime)",
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const list = await ctx.client().listNodes();
    if (input.flags.json) return ctx.out.json(list);
    ctx.out.table(list, NODE_COLUMNS);
    if (list.some((n) => n.used === null)) {
      ctx.out.line();
      ctx.out.line("used -: not measured (the node is not ready or is drained, or Berth's meter on it has not reported in the last 15 s).");
    }
  },
});

export const nodesJoinCommand = defineCommand({
  name: 'nodes:join-command',
  description: 'print the commands a new Debian machine runs as root to join the fleet, and the ports to open (admin only)',
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const join = await ctx.client().nodeJoinCommand();
    if (input.flags.json) return ctx.out.json(join);
    ctx.out.line('# Run as root on the new machine (Debian):');
    for (const command of join.commands) ctx.out.line(command);
    ctx.out.line();
    ctx.out.line(`# Open between this machine and the others (and from Berth's machine): ${join.ports.join(', ')}`);
  },
});

export const nodesDrain = defineCommand({
  name: 'nodes:drain',
  description: 'move every instance off a node (new ones start elsewhere before old ones stop); nothing new goes there (admin only)',
  args: [{ name: 'NODE', description: 'node hostname or id', required: true }],
  examples: ['berth nodes:drain node3'],
  async run(ctx, input) {
    const name = input.args.NODE!;
    await ctx.out.action(`Draining ${name}`, () => ctx.client().setNodeAvailability(name, 'drain'),
      (n) => `${n.availability}, ${n.instances} instance${n.instances === 1 ? '' : 's'} to move`);
  },
});

export const nodesActivate = defineCommand({
  name: 'nodes:activate',
  description: 'let a drained (or draining) node take new instances again (admin only)',
  args: [{ name: 'NODE', description: 'node hostname or id', required: true }],
  async run(ctx, input) {
    const name = input.args.NODE!;
    await ctx.out.action(`Activating ${name}`, () => ctx.client().setNodeAvailability(name, 'active'));
  },
});

export const nodesRemove = defineCommand({
  name: 'nodes:remove',
  description: 'remove a node from the fleet: one that is down, or drained with no instances left (admin only)',
  args: [{ name: 'NODE', description: 'node hostname or id', required: true }],
  examples: ['berth nodes:drain node3 && berth nodes:remove node3'],
  async run(ctx, input) {
    const name = input.args.NODE!;
    await ctx.out.action(`Removing ${name}`, () => ctx.client().removeNode(name));
  },
});
