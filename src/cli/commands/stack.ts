// stack and stack:set: the app's stack, as heroku's commands show and set it (Berth has one stack,
// so stack:set accepts only that one and the platform refuses any other by name).
// stack:build: has the platform build its stack image now (it otherwise does so on the first
// deploy that needs it) and prints the progress as it happens.
import { CliError, defineCommand } from '../command.js';
import { appLabel } from '../output.js';

const STACK = 'berth-24';
const PROBLEM = /^ !\s+/;

export const stackBuild = defineCommand({
  name: 'stack:build',
  description: `build the ${STACK} stack image on the platform's Docker engine (admin; docker runtime)`,
  flags: { force: { type: 'boolean', description: 'rebuild it even when it exists' } },
  examples: ['berth stack:build', 'berth stack:build --force'],
  async run(ctx, input) {
    const client = ctx.client();
    const build = await client.createStackBuild(STACK, input.flags.force === true);
    let problem: string | undefined;
    for await (const line of client.followLines(build.output_stream_url)) {
      ctx.out.line(line);
      if (PROBLEM.test(line)) problem ??= line.replace(PROBLEM, '').trim();
    }
    if (problem) throw new CliError(problem);
  },
});

export const stack = defineCommand({
  name: 'stack',
  aliases: ['apps:stacks'],
  description: 'show the list of available stacks, the app\'s marked with *',
  needsApp: true,
  examples: ['berth stack -a demo'],
  async run(ctx, input) {
    const client = ctx.client();
    const [app, stacks] = await Promise.all([client.getApp(await ctx.app(input)), client.listStacks()]);
    ctx.out.header(`${appLabel(app.name)} Available Stacks`);
    for (const s of [...stacks].sort((a, b) => a.name.localeCompare(b.name))) {
      if (s.name === app.stack.name) ctx.out.line(`* ${s.name}`);
      else if (s.name === app.build_stack.name) ctx.out.line(`  ${s.name} (active on next deploy)`);
      else ctx.out.line(`  ${s.name}`);
    }
  },
});

export const stackSet = defineCommand({
  name: 'stack:set',
  aliases: ['apps:stacks:set'],
  description: 'set the stack of an app (used from its next build)',
  needsApp: true,
  args: [{ name: 'STACK', description: 'name of the stack', required: true }],
  examples: [`berth stack:set ${STACK} -a demo`],
  async run(ctx, input) {
    const name = await ctx.app(input);
    const app = await ctx.out.action(`Setting stack to ${input.args.STACK!}`, () => ctx.client().updateApp(name, { build_stack: input.args.STACK! }));
    if (app.stack.name !== app.build_stack.name) ctx.out.line(`You will need to redeploy ${appLabel(name)} for the change to take effect.`);
  },
});
