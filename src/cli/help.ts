// Help text, generated from the command definitions so it can never drift from what is parsed.
import type { CommandDefinition } from './command.js';
import { allFlags } from './parse-input.js';

export function usageLine(cmd: CommandDefinition): string {
  const args = (cmd.args ?? []).map((a) => {
    const name = a.variadic ? `${a.name}...` : a.name;
    return a.required ? name : `[${name}]`;
  });
  return ['berth', cmd.name, ...args, '[flags]'].join(' ');
}

function twoColumns(rows: Array<[string, string]>): string[] {
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`.trimEnd());
}

export function commandHelp(cmd: CommandDefinition): string {
  const lines = [`Usage: ${usageLine(cmd)}`, '', cmd.description];
  const args = cmd.args ?? [];
  if (args.length) lines.push('', 'Arguments:', ...twoColumns(args.map((a) => [a.name, a.description])));
  const flags = Object.entries(allFlags(cmd)).map(([name, f]): [string, string] => {
    const short = f.short ? `-${f.short}, ` : '    ';
    const value = f.type === 'string' ? ` ${f.valueName ?? 'VALUE'}` : '';
    return [`${short}--${name}${value}`, f.description];
  });
  lines.push('', 'Flags:', ...twoColumns(flags));
  if (cmd.aliases?.length) lines.push('', `Aliases: ${cmd.aliases.join(', ')}`);
  if (cmd.examples?.length) lines.push('', 'Examples:', ...cmd.examples.map((e) => `  $ ${e}`));
  return lines.join('\n');
}

export function overviewHelp(commands: readonly CommandDefinition[]): string {
  const rows = [...commands].sort((a, b) => a.name.localeCompare(b.name)).map((c): [string, string] => [c.name, c.description]);
  return [
    'Berth: a self-hosted, Heroku-style platform as a service.',
    '',
    'Usage: berth COMMAND [ARGS] [flags]',
    '',
    'Commands:',
    ...twoColumns(rows),
    '',
    "Run 'berth help COMMAND' or 'berth COMMAND --help' for details.",
    'Environment: BERTH_API_URL (default http://localhost:5000), BERTH_API_KEY (overrides ~/.netrc).',
  ].join('\n');
}
