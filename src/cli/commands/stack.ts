// stack:build: has the platform build its stack image now (it otherwise does so on the first
// deploy that needs it) and prints the progress as it happens.
import { CliError, defineCommand } from '../command.js';

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
