// quotas, quotas:set: a team's limits (instances, memory, add-ons) beside what it uses now. A scale
// or an add-on over a limit is refused by the API; what already runs is never touched.
import type { TeamQuota } from '../../client/api-types.js';
import { UsageError, defineCommand } from '../command.js';
import { stringFlag } from '../parse-input.js';
import { parseAssignment } from './config.js';

const LIMITS = { instances: 'max_instances', memory: 'max_memory_mb', addons: 'max_addons' } as const;

const teamOf = (input: Parameters<typeof stringFlag>[0]): string => {
  const team = stringFlag(input, 'team');
  if (!team) throw new UsageError('Missing --team TEAM.');
  return team;
};

function print(out: { header(s: string): void; line(s?: string): void }, q: TeamQuota): void {
  const limit = (n: number | null, unit = '') => (n === null ? 'no limit' : `${n}${unit}`);
  out.header(`Quotas of team ${q.team.name}`);
  out.line(`Instances: ${q.use.instances} of ${limit(q.max_instances)}`);
  out.line(`Memory:    ${q.use.memory_mb} MB of ${limit(q.max_memory_mb, ' MB')}`);
  out.line(`Add-ons:   ${q.use.addons} of ${limit(q.max_addons)}`);
}

export const quotas = defineCommand({
  name: 'quotas',
  description: "show a team's quotas and what its apps use now (team admins, the platform admin)",
  flags: {
    team: { type: 'string', short: 't', description: 'the team', valueName: 'TEAM' },
    json: { type: 'boolean', description: 'output in json format' },
  },
  examples: ['berth quotas --team core'],
  async run(ctx, input) {
    const q = await ctx.client().teamQuota(teamOf(input));
    if (input.flags.json) return ctx.out.json(q);
    print(ctx.out, q);
  },
});

export const quotasSet = defineCommand({
  name: 'quotas:set',
  description: "set a team's quotas (admin only): instances=N memory=MB addons=N; `none` removes a limit",
  flags: { team: { type: 'string', short: 't', description: 'the team', valueName: 'TEAM' } },
  args: [{ name: 'LIMIT=VALUE', description: 'instances, memory (MB) or addons', required: true, variadic: true }],
  examples: ['berth quotas:set --team core instances=10 memory=8192 addons=4', 'berth quotas:set --team core memory=none'],
  async run(ctx, input) {
    const team = teamOf(input);
    const limits: Partial<Record<(typeof LIMITS)[keyof typeof LIMITS], number | null>> = {};
    for (const [name, text] of input.argv.map(parseAssignment)) {
      const field = LIMITS[name as keyof typeof LIMITS];
      if (!field) throw new UsageError(`Unknown limit ${name}: use instances, memory or addons.`);
      if (text !== 'none' && !/^\d+$/.test(text)) throw new UsageError(`${name}=${text}: give a whole number, or none.`);
      limits[field] = text === 'none' ? null : Number(text);
    }
    const q = await ctx.out.action(`Setting quotas of team ${team}`, () => ctx.client().setTeamQuota(team, limits));
    print(ctx.out, q);
  },
});
