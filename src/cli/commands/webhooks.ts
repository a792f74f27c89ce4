// webhooks, webhooks:add, webhooks:info, webhooks:update, webhooks:remove, webhooks:deliveries,
// webhooks:deliveries:info, webhooks:events, webhooks:events:info: app webhooks with Heroku's
// command names and flags (-u URL, -i api:release,dyno, -l notify|sync, -s SECRET, -t AUTHORIZATION).
import type { WebhookInput } from '../../client/webhook-client.js';
import { defineCommand, UsageError, type FlagSpec } from '../command.js';
import { appLabel } from '../output.js';

const idArg = (what: string) => [{ name: 'ID', description: `the ${what} id`, required: true }];

const hookFlags: Record<string, FlagSpec> = {
  url: { type: 'string', short: 'u', description: 'URL for the receiver (http or https; private addresses allowed)', valueName: 'URL' },
  include: { type: 'string', short: 'i', description: 'comma-separated event types: api:build, api:release, api:formation, api:dyno, dyno', valueName: 'TYPES' },
  level: { type: 'string', short: 'l', description: 'notify (one attempt) or sync (retried with backoff until it succeeds)', valueName: 'LEVEL' },
  secret: { type: 'string', short: 's', description: 'value to sign deliveries with in Heroku-Webhook-Hmac-SHA256 (default: generated, shown once)', valueName: 'SECRET' },
  authorization: { type: 'string', short: 't', description: 'Authorization header value to send with each delivery', valueName: 'VALUE' },
};

function inputOf(flags: Record<string, string | boolean | undefined>): WebhookInput {
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const include = str('include')?.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    ...(str('url') !== undefined ? { url: str('url') } : {}),
    ...(include ? { include } : {}),
    ...(str('level') !== undefined ? { level: str('level') } : {}),
    ...(str('secret') !== undefined ? { secret: str('secret') } : {}),
    ...(str('authorization') !== undefined ? { authorization: str('authorization') } : {}),
  };
}

export const webhooks = defineCommand({
  name: 'webhooks',
  description: 'list the webhooks of an app',
  needsApp: true,
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  examples: ['berth webhooks -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const list = await ctx.client().webhooks.list(app);
    if (input.flags.json) return ctx.out.json(list);
    if (list.length === 0) {
      ctx.out.line(`${appLabel(app)} has no webhooks\nUse berth webhooks:add to add one.`);
      return;
    }
    ctx.out.table(list, [
      { header: 'Webhook ID', get: (w) => w.id },
      { header: 'URL', get: (w) => w.url },
      { header: 'Include', get: (w) => w.include.join(',') },
      { header: 'Level', get: (w) => w.level },
    ]);
  },
});

export const webhooksAdd = defineCommand({
  name: 'webhooks:add',
  description: 'add a webhook to an app: its deliveries are signed with a secret shown once',
  needsApp: true,
  flags: hookFlags,
  examples: ['berth webhooks:add -u https://ci.example.com/hooks -i api:release,api:build,dyno -l sync -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const body = inputOf(input.flags);
    if (!body.url || !body.include || !body.level) throw new UsageError('webhooks:add needs --url, --include and --level.');
    const { secret } = await ctx.out.action(`Adding webhook to ${appLabel(app)}`, () => ctx.client().webhooks.add(app, body));
    if (secret) {
      ctx.out.header('Webhooks Signing Secret');
      ctx.out.line(secret);
    }
  },
});

export const webhooksInfo = defineCommand({
  name: 'webhooks:info',
  description: 'show a webhook of an app',
  needsApp: true,
  args: idArg('webhook'),
  async run(ctx, input) {
    const app = await ctx.app(input);
    const w = await ctx.client().webhooks.info(app, input.args.ID!);
    ctx.out.header(w.id);
    ctx.out.styledObject({ 'Webhook ID': w.id, URL: w.url, Include: w.include.join(','), Level: w.level });
  },
});

export const webhooksUpdate = defineCommand({
  name: 'webhooks:update',
  description: 'change a webhook: its URL, event types, level, secret or Authorization value',
  needsApp: true,
  args: idArg('webhook'),
  flags: hookFlags,
  examples: ['berth webhooks:update 99999999-9999-9999-9999-999999999999 -i dyno -l notify -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const id = input.args.ID!;
    await ctx.out.action(`Updating webhook ${id} for ${appLabel(app)}`, () => ctx.client().webhooks.update(app, id, inputOf(input.flags)));
  },
});

export const webhooksRemove = defineCommand({
  name: 'webhooks:remove',
  description: 'remove a webhook from an app (its delivery log goes with it)',
  needsApp: true,
  args: idArg('webhook'),
  async run(ctx, input) {
    const app = await ctx.app(input);
    const id = input.args.ID!;
    await ctx.out.action(`Removing webhook ${id} from ${appLabel(app)}`, () => ctx.client().webhooks.remove(app, id));
  },
});

export const webhooksDeliveries = defineCommand({
  name: 'webhooks:deliveries',
  description: 'the delivery log of an app\'s webhooks: status, attempts, last answer, next attempt',
  needsApp: true,
  flags: {
    status: { type: 'string', short: 's', description: 'only deliveries in this status: pending, retrying, failed, succeeded', valueName: 'STATUS' },
    json: { type: 'boolean', description: 'output in json format' },
  },
  examples: ['berth webhooks:deliveries -a demo', 'berth webhooks:deliveries --status failed -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const list = (await ctx.client().webhooks.deliveries(app, typeof input.flags.status === 'string' ? input.flags.status : undefined)).reverse();
    if (input.flags.json) return ctx.out.json(list);
    if (list.length === 0) {
      ctx.out.line(`${appLabel(app)} has no deliveries`);
      return;
    }
    ctx.out.table(list, [
      { header: 'Delivery ID', get: (d) => d.id },
      { header: 'Created', get: (d) => d.created_at },
      { header: 'Status', get: (d) => d.status },
      { header: 'Include', get: (d) => d.event.include },
      { header: 'Level', get: (d) => d.webhook.level },
      { header: 'Attempts', get: (d) => String(d.num_attempts) },
      { header: 'Code', get: (d) => (d.last_attempt?.code ? String(d.last_attempt.code) : '') },
      { header: 'Error', get: (d) => d.last_attempt?.error_class ?? '' },
      { header: 'Next Attempt', get: (d) => d.next_attempt_at ?? '' },
    ]);
  },
});

export const webhooksDeliveriesInfo = defineCommand({
  name: 'webhooks:deliveries:info',
  description: 'show one delivery of an app\'s webhooks and the payload it carries',
  needsApp: true,
  args: idArg('delivery'),
  async run(ctx, input) {
    const app = await ctx.app(input);
    const d = await ctx.client().webhooks.delivery(app, input.args.ID!);
    const event = await ctx.client().webhooks.event(app, d.event.id);
    ctx.out.header(d.id);
    ctx.out.styledObject({
      Created: d.created_at, Event: d.event.id, Webhook: d.webhook.id, Status: d.status, Include: d.event.include, Level: d.webhook.level,
      Attempts: d.num_attempts, Code: d.last_attempt?.code ?? null, Error: d.last_attempt?.error_class ?? null, 'Next Attempt': d.next_attempt_at,
    });
    ctx.out.header('Event Payload');
    ctx.out.json(event.payload);
  },
});

export const webhooksEvents = defineCommand({
  name: 'webhooks:events',
  description: 'list the events published to an app\'s webhooks',
  needsApp: true,
  async run(ctx, input) {
    const app = await ctx.app(input);
    const list = await ctx.client().webhooks.events(app);
    if (list.length === 0) {
      ctx.out.line(`${appLabel(app)} has no events`);
      return;
    }
    ctx.out.table(list, [
      { header: 'Event ID', get: (e) => e.id },
      { header: 'Resource', get: (e) => e.payload.resource },
      { header: 'Action', get: (e) => e.payload.action },
      { header: 'Published At', get: (e) => e.payload.published_at },
    ]);
  },
});

export const webhooksEventsInfo = defineCommand({
  name: 'webhooks:events:info',
  description: 'show the payload of one event published to an app\'s webhooks',
  needsApp: true,
  args: idArg('event'),
  async run(ctx, input) {
    const app = await ctx.app(input);
    const e = await ctx.client().webhooks.event(app, input.args.ID!);
    ctx.out.header(e.id);
    ctx.out.json(e.payload);
  },
});
