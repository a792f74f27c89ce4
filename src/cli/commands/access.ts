// access, access:add, access:update, access:remove: who may work on an app, Heroku's names.
import { CliError, defineCommand } from '../command.js';
import { stringFlag } from '../parse-input.js';

const permissions = { type: 'string', short: 'p', description: 'comma-separated permissions (view, deploy, operate, manage); team apps only', valueName: 'PERMISSIONS' } as const;

/** `deploy,operate` → `['deploy', 'operate']`; view is always granted by the server. */
const permissionList = (value: string | undefined): string[] | undefined =>
  value === undefined ? undefined : value.split(',').map((p) => p.trim()).filter(Boolean);

export const access = defineCommand({
  name: 'access',
  description: 'list who has access to an app',
  needsApp: true,
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const list = await ctx.client().teams.collaborators(await ctx.app(input));
    if (input.flags.json) return ctx.out.json(list);
    const teamApp = list.some((c) => c.permissions);
    ctx.out.table([...list].sort((a, b) => a.user.email.localeCompare(b.user.email)), [
      { header: 'Email', get: (c) => c.user.email },
      { header: 'Role', get: (c) => c.role },
      ...(teamApp ? [{ header: 'Permissions', get: (c: (typeof list)[number]) => (c.permissions ?? []).map((p) => p.name).join(', ') }] : []),
    ]);
  },
});

export const accessAdd = defineCommand({
  name: 'access:add',
  description: 'add a user to an app (with --permissions on a team app)',
  needsApp: true,
  args: [{ name: 'EMAIL', description: 'email address of the user', required: true }],
  flags: { permissions },
  examples: ['berth access:add dev@example.com -a demo', 'berth access:add dev@example.com -a team-app --permissions deploy,operate'],
  async run(ctx, input) {
    const [app, email, perms] = [await ctx.app(input), input.args.EMAIL!, permissionList(stringFlag(input, 'permissions'))];
    const label = perms ? ` with ${['view', ...perms.filter((p) => p !== 'view')].join(', ')} permissions` : '';
    await ctx.out.action(`Adding ${email} access to the app ${app}${label}`, () => ctx.client().teams.addCollaborator(app, email, perms));
  },
});

export const accessUpdate = defineCommand({
  name: 'access:update',
  description: "update a collaborator's permissions on a team app",
  needsApp: true,
  args: [{ name: 'EMAIL', description: 'email address of the collaborator', required: true }],
  flags: { permissions },
  async run(ctx, input) {
    const perms = permissionList(stringFlag(input, 'permissions'));
    if (!perms) throw new CliError('Missing required flag --permissions');
    const [app, email] = [await ctx.app(input), input.args.EMAIL!];
    await ctx.out.action(`Updating ${email} in application ${app} with ${perms.join(', ')} permissions`,
      () => ctx.client().teams.updateCollaborator(app, email, perms));
  },
});

export const accessRemove = defineCommand({
  name: 'access:remove',
  description: "remove a user's access to an app",
  needsApp: true,
  args: [{ name: 'EMAIL', description: 'email address of the collaborator', required: true }],
  async run(ctx, input) {
    const [app, email] = [await ctx.app(input), input.args.EMAIL!];
    await ctx.out.action(`Removing ${email} access from the app ${app}`, () => ctx.client().teams.removeCollaborator(app, email));
  },
});
