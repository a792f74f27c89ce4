// drains, drains:add, drains:remove: where the app's log stream is forwarded (Heroku's log drains):
// syslog://host:port, syslog+tls://host:port or https://… receivers.
import { defineCommand } from '../command.js';
import { appLabel } from '../output.js';

export const drains = defineCommand({
  name: 'drains',
  description: 'list the log drains of an app',
  needsApp: true,
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  examples: ['berth drains -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const list = await ctx.client().listLogDrains(app);
    if (input.flags.json) return ctx.out.json(list);
    if (list.length === 0) {
      ctx.out.line(`${appLabel(app)} has no drains.`);
      return;
    }
    // Heroku's layout: `URL (token)`, one per line.
    ctx.out.header('Drains');
    for (const d of list) ctx.out.line(`${d.url} (${d.token})`);
  },
});

export const drainsAdd = defineCommand({
  name: 'drains:add',
  description: 'add a log drain: every line of the app\'s log stream is forwarded to it (syslog://, syslog+tls:// or https://)',
  needsApp: true,
  args: [{ name: 'URL', description: 'syslog://host:port, syslog+tls://host:port or https://host/path', required: true }],
  examples: ['berth drains:add syslog+tls://logs.example.com:6514 -a demo', 'berth drains:add https://user:secret@logs.example.com/berth -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const drain = await ctx.client().addLogDrain(app, input.args.URL!);
    ctx.out.line(`Successfully added drain ${drain.url} (${drain.token})`);
  },
});

export const drainsRemove = defineCommand({
  name: 'drains:remove',
  description: 'remove a log drain, by its URL or token',
  needsApp: true,
  args: [{ name: 'URL', description: 'the drain\'s URL or token (berth drains lists them)', required: true }],
  examples: ['berth drains:remove syslog+tls://logs.example.com:6514 -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const drain = await ctx.client().removeLogDrain(app, input.args.URL!);
    ctx.out.line(`Successfully removed drain ${drain.url}`);
  },
});
