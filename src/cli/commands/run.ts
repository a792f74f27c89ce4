// run and run:detached: one-off dynos of the current release, as Heroku's `heroku run`.
// `berth run` passes stdin up, prints the output as it comes and exits with the command's code.
import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';
import { attachDyno } from '../../client/dyno-attach.js';
import { CommandExit, UsageError, defineCommand, type CommandContext, type ParsedInput } from '../command.js';
import { commandLineOf } from '../shell-words.js';
import { stringFlag } from '../parse-input.js';

const FLAGS = {
  size: { type: 'string' as const, short: 's', description: 'dyno size (default standard-1x)', valueName: 'SIZE' },
  env: { type: 'string' as const, short: 'e', description: 'extra environment for the dyno, KEY=VALUE;KEY2=VALUE2', valueName: 'VARS' },
};

function commandOf(input: ParsedInput): string {
  const command = commandLineOf(input.argv);
  if (!command) throw new UsageError('Give the command to run, e.g. berth run -a demo -- node -v');
  return command;
}

/** `KEY=VALUE;KEY2=VALUE2`, as Heroku's `--env`. */
export function parseEnvFlag(raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const env: Record<string, string> = {};
  for (const pair of raw.split(';').filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--env ${pair} is not KEY=VALUE.`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

function textWriter(ctx: CommandContext, to: 'stdout' | 'stderr'): Writable {
  const decoder = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      ctx.out.raw(decoder.write(chunk), to);
      done();
    },
    final(done) {
      ctx.out.raw(decoder.end(), to);
      done();
    },
  });
}

export const run = defineCommand({
  name: 'run',
  description: "run a one-off command in a dyno of the app's current release; exits with the command's exit code",
  needsApp: true,
  args: [{ name: 'COMMAND', description: 'the command (put -- before it when it has flags of its own)', variadic: true }],
  flags: FLAGS,
  examples: ['berth run -a demo -- node -e "console.log(process.env.DYNO)"', 'echo SELECT 1 | berth run -a demo -- psql "$DATABASE_URL"'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const command = commandOf(input);
    const dyno = await ctx.client().createDyno(app, { command, attach: true, size: stringFlag(input, 'size'), env: parseEnvFlag(stringFlag(input, 'env')) });
    if (!dyno.attach_websocket_url) throw new UsageError('The platform did not offer an attach URL for this dyno.');
    ctx.out.info(`Running ${command} on ${app}... up, ${dyno.name}`);
    // A terminal's stdin is left alone (nothing to send, and reading it would hold the process open).
    const stdin = ctx.stdin.isTTY ? undefined : ctx.stdin;
    const code = await attachDyno(dyno.attach_websocket_url, { stdin, stdout: textWriter(ctx, 'stdout'), stderr: textWriter(ctx, 'stderr') });
    if (code !== 0) throw new CommandExit(code);
  },
});

export const runDetached = defineCommand({
  name: 'run:detached',
  description: 'run a one-off command in the background; its output goes to the app log',
  needsApp: true,
  args: [{ name: 'COMMAND', description: 'the command (put -- before it when it has flags of its own)', variadic: true }],
  flags: FLAGS,
  examples: ['berth run:detached -a demo -- node scripts/migrate.js'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const command = commandOf(input);
    const dyno = await ctx.client().createDyno(app, { command, attach: false, size: stringFlag(input, 'size'), env: parseEnvFlag(stringFlag(input, 'env')) });
    ctx.out.info(`Running ${command} on ${app}... up, ${dyno.name}`);
    ctx.out.info(`Run berth logs -a ${app} --dyno ${dyno.name} to view the output.`);
  },
});
