// addons, addons:create, addons:info, addons:attach, addons:detach, addons:destroy.
import type { AddonInfo } from '../../client/addon-client.js';
import { CliError, defineCommand } from '../command.js';
import { appLabel, formatDate } from '../output.js';
import { stringFlag } from '../parse-input.js';

const asFlag = { as: { type: 'string' as const, description: 'name for the attachment: the config var is NAME_URL', valueName: 'NAME' } };

export const addons = defineCommand({
  name: 'addons',
  aliases: ['addons:list'],
  description: "list an app's add-ons (owned and attached)",
  needsApp: true,
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const app = await ctx.app(input);
    const list = await ctx.client().addons.list(app);
    if (input.flags.json) return ctx.out.json(list);
    if (list.length === 0) return ctx.out.line(`No add-ons for app ${app}.`);
    ctx.out.table(list, [
      { header: 'Add-on', get: (a) => (a.app.name === app ? a.name : `${a.name} (from ${a.app.name})`) },
      { header: 'Plan', get: (a) => a.plan.name },
      { header: 'As', get: (a) => a.attachments.filter((x) => x.app.name === app).map((x) => x.name).join(', ') },
      { header: 'State', get: (a) => a.state },
    ]);
  },
});

export const addonsCreate = defineCommand({
  name: 'addons:create',
  aliases: ['addons:add'],
  description: 'provision an add-on (postgresql, redis) and attach it as DATABASE_URL, REDIS_URL or NAME_URL',
  needsApp: true,
  args: [{ name: 'SERVICE:PLAN', description: 'postgresql, postgresql:standard, redis, redis:standard…', required: true }],
  flags: { ...asFlag, name: { type: 'string', description: 'name for the add-on itself', valueName: 'NAME' } },
  examples: ['berth addons:create postgresql -a demo', 'berth addons:create redis:dev --as CACHE -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const plan = input.args['SERVICE:PLAN']!;
    const addon = await ctx.out.action(`Creating ${plan} on ${appLabel(app)}`, () =>
      ctx.client().addons.create(app, plan, { as: stringFlag(input, 'as'), name: stringFlag(input, 'name') }));
    ctx.out.line(`Created ${addon.name} as ${addon.config_vars.join(', ')}`);
    ctx.out.line(`Use berth addons:info ${addon.name} to check its state.`);
  },
});

function printInfo(out: { header(t: string): void; styledObject(o: Record<string, string | number | undefined>): void }, a: AddonInfo): void {
  out.header(a.name);
  out.styledObject({
    Attachments: a.attachments.map((x) => `${x.app.name ?? x.app.id}::${x.name}`).join(', '),
    'Installed at': formatDate(a.created_at),
    'Owning app': a.app.name,
    Plan: a.plan.name,
    State: a.state,
    Server: a.berth_status ? `${a.berth_status.state}${a.berth_status.restarts ? ` (restarted ${a.berth_status.restarts}×)` : ''}` : undefined,
    ...Object.fromEntries(Object.entries(a.berth_status?.details ?? {}).filter(([k]) => k !== 'plan').map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), v])),
  });
}

export const addonsInfo = defineCommand({
  name: 'addons:info',
  description: "show an add-on's plan, attachments and the state of its server",
  args: [{ name: 'ADDON', description: 'add-on name or id (or, with -a, the attachment name such as DATABASE)', required: true }],
  flags: { app: { type: 'string', short: 'a', description: 'app to look the add-on up in', valueName: 'APP' }, json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const a = await ctx.client().addons.get(input.args.ADDON!, stringFlag(input, 'app'));
    if (input.flags.json) return ctx.out.json(a);
    printInfo(ctx.out, a);
  },
});

export const addonsAttach = defineCommand({
  name: 'addons:attach',
  description: 'attach an existing add-on to another app (its own config var, a new release)',
  needsApp: true,
  args: [{ name: 'ADDON', description: 'add-on name or id', required: true }],
  flags: asFlag,
  examples: ['berth addons:attach postgresql-calm-harbor-4821 -a worker-app --as SHARED_DB'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const attachment = await ctx.out.action(`Attaching ${input.args.ADDON} to ${appLabel(app)}`, () =>
      ctx.client().addons.attach(input.args.ADDON!, app, stringFlag(input, 'as')));
    ctx.out.line(`Setting ${attachment.config_vars.join(', ')} and restarting ${appLabel(app)}... done`);
  },
});

export const addonsDetach = defineCommand({
  name: 'addons:detach',
  description: 'detach an add-on from an app (removes its config var in a new release)',
  needsApp: true,
  args: [{ name: 'ATTACHMENT', description: 'attachment name (DATABASE) or id', required: true }],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const client = ctx.client();
    const ref = input.args.ATTACHMENT!;
    const found = (await client.addons.attachments(app)).find((a) => a.id === ref || a.name === ref.toUpperCase());
    if (!found) throw new CliError(`No attachment ${ref} on ${app}. See berth addons -a ${app}.`);
    await ctx.out.action(`Detaching ${found.name} (${found.addon.name}) from ${appLabel(app)}`, () => client.addons.detach(found.id));
  },
});

export const addonsDestroy = defineCommand({
  name: 'addons:destroy',
  aliases: ['addons:remove'],
  description: 'permanently destroy an add-on and its data (requires --confirm APP)',
  args: [{ name: 'ADDON', description: 'add-on name or id (or, with -a, the attachment name)', required: true }],
  flags: {
    app: { type: 'string', short: 'a', description: 'app the add-on belongs to', valueName: 'APP' },
    confirm: { type: 'string', short: 'c', description: 'the owning app name, to confirm', valueName: 'APP' },
  },
  examples: ['berth addons:destroy postgresql-calm-harbor-4821 --confirm demo'],
  async run(ctx, input) {
    const client = ctx.client();
    const addon = await client.addons.get(input.args.ADDON!, stringFlag(input, 'app'));
    const owner = addon.app.name;
    const confirm = stringFlag(input, 'confirm');
    if (confirm === undefined) {
      throw new CliError(`This will permanently destroy ${addon.name} and its data from ${appLabel(owner)}. To proceed, re-run with --confirm ${owner}`);
    }
    if (confirm !== owner) throw new CliError(`Confirmation ${confirm} did not match ${owner}. Aborted.`);
    await ctx.out.action(`Destroying ${addon.name} on ${appLabel(owner)}`, () => client.addons.destroy(owner, addon.id, confirm));
  },
});
