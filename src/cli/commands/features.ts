// features: the app's feature flags, as `heroku features` lists them (Berth has none today, so
// the list is empty; the command exists so scripts written for Heroku keep working).
import { defineCommand } from '../command.js';
import { appLabel } from '../output.js';

export const features = defineCommand({
  name: 'features',
  description: 'list available app features',
  needsApp: true,
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const app = await ctx.app(input);
    const list = (await ctx.client().listAppFeatures(app)).filter((f) => f.state === 'general').sort((a, b) => a.name.localeCompare(b.name));
    if (input.flags.json) return ctx.out.json(list);
    ctx.out.header(`App Features ${appLabel(app)}`);
    const width = Math.max(0, ...list.map((f) => f.name.length));
    for (const f of list) ctx.out.line(`${f.enabled ? '[+]' : '[ ]'} ${f.name.padEnd(width)}  ${f.description}`);
  },
});
