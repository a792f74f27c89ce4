// apps, apps:create, apps:info, apps:rename, apps:destroy, apps:transfer.
import type { AppInfo } from '../../client/api-types.js';
import { CliError, defineCommand, type CommandContext } from '../command.js';
import { appFromGitUrl, DEFAULT_REMOTE } from '../git-remote.js';
import { appLabel, formatBytes, formatDate } from '../output.js';
import { stringFlag } from '../parse-input.js';

const json = { type: 'boolean', description: 'output in json format' } as const;
const team = { type: 'string', short: 't', description: 'team to use', valueName: 'TEAM' } as const;

/** Heroku's two-part summary line after create and rename. */
const urls = (app: AppInfo): string => `${app.web_url} | ${app.git_url}`;

/** Points the `berth` remote of the repo in cwd at the app, when cwd is a repository's top level. */
async function linkRemote(ctx: CommandContext, app: AppInfo, onlyIfPointingAt?: string): Promise<void> {
  if (!(await ctx.git.isTopLevel())) return;
  if (onlyIfPointingAt !== undefined) {
    const url = await ctx.git.getUrl(DEFAULT_REMOTE);
    if (!url || appFromGitUrl(url) !== onlyIfPointingAt) return;
  }
  await ctx.git.setUrl(DEFAULT_REMOTE, app.git_url);
  ctx.out.info(`Git remote ${DEFAULT_REMOTE} set to ${app.git_url}`);
}

export const apps = defineCommand({
  name: 'apps',
  aliases: ['apps:list', 'list'],
  description: 'list your apps (or a team\'s with --team)',
  flags: { json, team },
  async run(ctx, input) {
    const client = ctx.client();
    const teamName = stringFlag(input, 'team');
    const [list, account] = await Promise.all([teamName ? client.teams.apps(teamName) : client.listApps(), client.account()]);
    if (input.flags.json) return ctx.out.json(list);
    ctx.out.header(teamName ? `Apps in team ${teamName}` : `${account.email} Apps`);
    ctx.out.line();
    if (list.length === 0) return ctx.out.line('You have no apps.');
    for (const app of [...list].sort((a, b) => a.name.localeCompare(b.name))) {
      const owner = app.team?.name ?? app.owner?.email;
      ctx.out.line(owner && owner !== account.email && !teamName ? `${app.name}  ${owner}` : app.name);
    }
  },
});

export const appsCreate = defineCommand({
  name: 'apps:create',
  aliases: ['create'],
  description: 'create a new app (and a berth git remote when run at the top of a git repository)',
  args: [{ name: 'APP', description: 'name of app to create; generated when absent' }],
  flags: {
    'no-remote': { type: 'boolean', description: 'do not create a git remote' },
    team: { ...team, description: 'team to create the app in' },
    json,
  },
  examples: ['berth apps:create demo', 'berth apps:create demo --team platform'],
  async run(ctx, input) {
    const name = input.args.APP;
    const teamName = stringFlag(input, 'team');
    const app = await ctx.out.action(`Creating ${name ? appLabel(name) : 'app'}${teamName ? ` in team ${teamName}` : ''}`, () => ctx.client().createApp(name, teamName),
      (a) => (name ? 'done' : `done, ${appLabel(a.name)}`));
    if (!input.flags['no-remote']) await linkRemote(ctx, app);
    if (input.flags.json) return ctx.out.json(app);
    ctx.out.line(urls(app));
  },
});

export const appsInfo = defineCommand({
  name: 'apps:info',
  aliases: ['info'],
  description: 'show detailed app information',
  needsApp: true,
  flags: { json },
  async run(ctx, input) {
    const app = await ctx.client().getApp(await ctx.app(input));
    if (input.flags.json) return ctx.out.json(app);
    ctx.out.header(app.name);
    ctx.out.styledObject({
      'Git URL': app.git_url,
      'Maintenance': app.maintenance ? 'on' : undefined,
      'Owner': app.team ? undefined : app.owner?.email,
      'Team': app.team?.name,
      'Region': app.region?.name,
      'Repo Size': formatBytes(app.repo_size),
      'Slug Size': formatBytes(app.slug_size),
      'Stack': app.stack?.name,
      'Buildpacks': app.buildpack_provided_description,
      'Created': formatDate(app.created_at),
      'Released': formatDate(app.released_at),
      'Web URL': app.web_url,
    });
  },
});

export const appsRename = defineCommand({
  name: 'apps:rename',
  aliases: ['rename'],
  description: 'rename an app (and update its berth git remote)',
  needsApp: true,
  args: [{ name: 'NEWNAME', description: 'new unique name of the app', required: true }],
  async run(ctx, input) {
    const oldName = await ctx.app(input);
    const newName = input.args.NEWNAME!;
    const app = await ctx.out.action(`Renaming ${oldName} to ${newName}`, () => ctx.client().updateApp(oldName, { name: newName }));
    ctx.out.line(urls(app));
    await linkRemote(ctx, app, oldName);
  },
});

export const appsDestroy = defineCommand({
  name: 'apps:destroy',
  aliases: ['destroy', 'apps:delete'],
  description: 'permanently destroy an app (requires --confirm APP)',
  needsApp: true,
  args: [{ name: 'APP', description: 'name of app to destroy (or use -a)' }],
  flags: { confirm: { type: 'string', short: 'c', description: 'the app name, to confirm', valueName: 'APP' } },
  examples: ['berth apps:destroy demo --confirm demo'],
  async run(ctx, input) {
    const name = input.args.APP ?? (await ctx.app(input));
    const confirm = stringFlag(input, 'confirm');
    if (confirm === undefined) {
      throw new CliError(`This will permanently destroy ${appLabel(name)}. To proceed, re-run with --confirm ${name}`);
    }
    if (confirm !== name) throw new CliError(`Confirmation ${confirm} did not match ${name}. Aborted.`);
    await ctx.out.action(`Destroying ${appLabel(name)}`, () => ctx.client().deleteApp(name));
    if ((await ctx.git.isTopLevel()) && appFromGitUrl((await ctx.git.getUrl(DEFAULT_REMOTE)) ?? '') === name) {
      await ctx.git.remove(DEFAULT_REMOTE);
      ctx.out.info(`Git remote ${DEFAULT_REMOTE} removed`);
    }
  },
});

export const appsTransfer = defineCommand({
  name: 'apps:transfer',
  description: 'transfer an app to a team or to a user',
  needsApp: true,
  args: [{ name: 'RECIPIENT', description: 'team name or user email to transfer the app to', required: true }],
  examples: ['berth apps:transfer platform -a demo', 'berth apps:transfer dev@example.com -a demo'],
  async run(ctx, input) {
    const [app, recipient] = [await ctx.app(input), input.args.RECIPIENT!];
    await ctx.out.action(`Transferring ${appLabel(app)} to ${recipient}`, () => ctx.client().teams.transfer(app, recipient));
  },
});
