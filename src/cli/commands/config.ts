// config, config:get, config:set, config:unset. Values are data: kept byte for byte, never interpreted.
import type { BerthClient } from '../../client/berth-client.js';
import { shellQuote } from '../../domain/shell-quote.js';
import { UsageError, defineCommand } from '../command.js';
import { appLabel } from '../output.js';


/** Splits `K=V` at the first `=`: the value may hold more `=` signs, spaces, `$(...)`: all literal. */
export function parseAssignment(arg: string): [string, string] {
  const at = arg.indexOf('=');
  if (at <= 0) throw new UsageError(`${arg} is invalid. Must be in the format KEY=VALUE.`);
  return [arg.slice(0, at), arg.slice(at + 1)];
}

const listKeys = (keys: string[]): string => (keys.length <= 1 ? keys.join('') : `${keys.slice(0, -1).join(', ')}, ${keys.at(-1)}`);

async function currentVersion(client: BerthClient, app: string): Promise<string> {
  const [latest] = await client.listReleases(app, { max: 1 });
  return latest ? `v${latest.version}` : '';
}

function printVars(out: { line(s: string): void }, vars: Record<string, string>): void {
  const keys = Object.keys(vars).sort();
  const width = Math.max(0, ...keys.map((k) => k.length + 1));
  for (const k of keys) out.line(`${(k + ':').padEnd(width)} ${vars[k]}`);
}

export const config = defineCommand({
  name: 'config',
  aliases: ['config:list'],
  description: 'display the config vars of an app',
  needsApp: true,
  flags: {
    json: { type: 'boolean', description: 'output config vars in json format' },
    shell: { type: 'boolean', short: 's', description: 'output config vars in shell format' },
  },
  async run(ctx, input) {
    const app = await ctx.app(input);
    const vars = await ctx.client().getConfigVars(app);
    if (input.flags.json) return ctx.out.json(vars);
    if (input.flags.shell) {
      for (const k of Object.keys(vars).sort()) ctx.out.line(`${k}=${shellQuote(vars[k]!)}`);
      return;
    }
    ctx.out.header(`${app} Config Vars`);
    if (Object.keys(vars).length) ctx.out.line();
    printVars(ctx.out, vars);
  },
});

export const configGet = defineCommand({
  name: 'config:get',
  description: 'display a single config value for an app (empty when unset)',
  needsApp: true,
  args: [{ name: 'KEY', description: 'key name of the config var value', required: true }],
  flags: { shell: { type: 'boolean', short: 's', description: 'output config var in shell format' } },
  async run(ctx, input) {
    const vars = await ctx.client().getConfigVars(await ctx.app(input));
    const key = input.args.KEY!;
    // Own keys only: `config:get constructor` must not print what every object inherits.
    const value = Object.hasOwn(vars, key) ? vars[key]! : '';
    ctx.out.line(input.flags.shell ? `${key}=${shellQuote(value)}` : value);
  },
});

export const configSet = defineCommand({
  name: 'config:set',
  aliases: ['config:add'],
  description: 'set one or more config vars; each change makes a new release',
  needsApp: true,
  args: [{ name: 'KEY=VALUE', description: 'key-value pairs; the value is taken literally', required: true, variadic: true }],
  examples: ['berth config:set RAILS_ENV=staging RACK_ENV=staging -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const changes = Object.fromEntries(input.argv.map(parseAssignment));
    const keys = Object.keys(changes);
    const client = ctx.client();
    const vars = await ctx.out.action(
      `Setting ${listKeys(keys)} and restarting ${appLabel(app)}`,
      async () => ({ vars: await client.updateConfigVars(app, changes), version: await currentVersion(client, app) }),
      (r) => (r.version ? `done, ${r.version}` : 'done'),
    );
    printVars(ctx.out, Object.fromEntries(keys.map((k) => [k, vars.vars[k] ?? changes[k]!])));
  },
});

export const configUnset = defineCommand({
  name: 'config:unset',
  aliases: ['config:remove'],
  description: 'unset one or more config vars',
  needsApp: true,
  args: [{ name: 'KEY', description: 'names of the config vars to unset', required: true, variadic: true }],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const keys = input.argv;
    const client = ctx.client();
    await ctx.out.action(
      `Unsetting ${listKeys(keys)} and restarting ${appLabel(app)}`,
      async () => {
        await client.updateConfigVars(app, Object.fromEntries(keys.map((k) => [k, null])));
        return currentVersion(client, app);
      },
      (v) => (v ? `done, ${v}` : 'done'),
    );
  },
});
