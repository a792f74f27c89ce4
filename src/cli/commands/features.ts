// features, features:enable, features:disable: the app's feature flags, as `heroku features` lists them:
// the edge features http-redirect and hsts.
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

export const featuresEnable = defineCommand({
  name: 'features:enable',
  description: 'enable an app feature (http-redirect, hsts)',
  needsApp: true,
  args: [{ name: 'FEATURE', description: 'the feature name', required: true }],
  examples: ['berth features:enable http-redirect -a demo'],
  async run(ctx, input) {
    const [app, feature] = [await ctx.app(input), input.args.FEATURE!];
    await ctx.out.action(`Enabling ${feature} for ${appLabel(app)}`, () => ctx.client().edge.setFeature(app, feature, true));
  },
});

export const featuresDisable = defineCommand({
  name: 'features:disable',
  description: 'disable an app feature',
  needsApp: true,
  args: [{ name: 'FEATURE', description: 'the feature name', required: true }],
  async run(ctx, input) {
    const [app, feature] = [await ctx.app(input), input.args.FEATURE!];
    await ctx.out.action(`Disabling ${feature} for ${appLabel(app)}`, () => ctx.client().edge.setFeature(app, feature, false));
  },
});
