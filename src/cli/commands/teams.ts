// teams, teams:create, members, members:add, members:set, members:remove: Heroku's team commands.
import { CliError, defineCommand } from '../command.js';
import { stringFlag } from '../parse-input.js';

const json = { type: 'boolean', description: 'output in json format' } as const;
const team = { type: 'string', short: 't', description: 'team to use', valueName: 'TEAM' } as const;
const role = { type: 'string', short: 'r', description: 'member role (admin, member, viewer)', valueName: 'ROLE' } as const;

function required(value: string | undefined, what: string): string {
  if (!value) throw new CliError(`Missing required flag ${what}`);
  return value;
}

export const teams = defineCommand({
  name: 'teams',
  description: 'list the teams that you are a member of',
  flags: { json },
  async run(ctx, input) {
    const list = await ctx.client().teams.list();
    if (input.flags.json) return ctx.out.json(list);
    if (list.length === 0) return ctx.out.line('You are not a member of any teams.');
    ctx.out.table([...list].sort((a, b) => a.name.localeCompare(b.name)), [
      { header: 'Team', get: (t) => t.name },
      { header: 'Role', get: (t) => t.role ?? '' },
    ]);
  },
});

export const teamsCreate = defineCommand({
  name: 'teams:create',
  description: 'create a team; you become its admin',
  args: [{ name: 'TEAM', description: 'name of the team', required: true }],
  examples: ['berth teams:create platform'],
  async run(ctx, input) {
    const name = input.args.TEAM!;
    await ctx.out.action(`Creating team ${name}`, () => ctx.client().teams.create(name));
  },
});

export const members = defineCommand({
  name: 'members',
  description: 'list members of a team',
  flags: { team, role: { ...role, description: 'filter by role' }, json },
  async run(ctx, input) {
    const name = required(stringFlag(input, 'team'), '--team');
    const wanted = stringFlag(input, 'role');
    const list = (await ctx.client().teams.members(name)).filter((m) => !wanted || m.role === wanted);
    if (input.flags.json) return ctx.out.json(list);
    if (list.length === 0) return ctx.out.line(`No members in ${name}${wanted ? ` with role ${wanted}` : ''}.`);
    ctx.out.table([...list].sort((a, b) => a.email.localeCompare(b.email)), [
      { header: 'Email', get: (m) => m.email },
      { header: 'Role', get: (m) => m.role },
    ]);
  },
});

export const membersAdd = defineCommand({
  name: 'members:add',
  description: 'add a user to a team (or change their role)',
  args: [{ name: 'EMAIL', description: 'email address of the user', required: true }],
  flags: { team, role },
  examples: ['berth members:add dev@example.com --team platform --role member'],
  async run(ctx, input) {
    const [name, r, email] = [required(stringFlag(input, 'team'), '--team'), required(stringFlag(input, 'role'), '--role'), input.args.EMAIL!];
    await ctx.out.action(`Adding ${email} to ${name} as ${r}`, () => ctx.client().teams.setMember(name, email, r, 'add'));
  },
});

export const membersSet = defineCommand({
  name: 'members:set',
  description: "set a team member's role",
  args: [{ name: 'EMAIL', description: 'email address of the member', required: true }],
  flags: { team, role },
  examples: ['berth members:set dev@example.com --team platform --role viewer'],
  async run(ctx, input) {
    const [name, r, email] = [required(stringFlag(input, 'team'), '--team'), required(stringFlag(input, 'role'), '--role'), input.args.EMAIL!];
    await ctx.out.action(`Setting ${email} in ${name} to ${r}`, () => ctx.client().teams.setMember(name, email, r, 'set'));
  },
});

export const membersRemove = defineCommand({
  name: 'members:remove',
  description: 'remove a user from a team',
  args: [{ name: 'EMAIL', description: 'email address of the member', required: true }],
  flags: { team },
  async run(ctx, input) {
    const [name, email] = [required(stringFlag(input, 'team'), '--team'), input.args.EMAIL!];
    await ctx.out.action(`Removing ${email} from ${name}`, () => ctx.client().teams.removeMember(name, email));
  },
});
