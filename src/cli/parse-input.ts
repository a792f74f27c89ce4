// Turning argv into a command's args and flags with node:util parseArgs, driven by its definition.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, type CommandDefinition, type FlagSpec, type ParsedInput } from './command.js';

export const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', description: 'show help for this command' };
export const APP_FLAGS: Record<string, FlagSpec> = {
  app: { type: 'string', short: 'a', description: 'app to run command against', valueName: 'APP' },
  remote: { type: 'string', short: 'r', description: 'git remote of app to use', valueName: 'REMOTE' },
};

/** Every flag a command accepts, including the ones added for all commands or app commands. */
export function allFlags(cmd: CommandDefinition): Record<string, FlagSpec> {
  return { ...(cmd.needsApp ? APP_FLAGS : {}), ...cmd.flags, help: HELP_FLAG };
}

export function parseInput(cmd: CommandDefinition, argv: string[]): ParsedInput {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, spec] of Object.entries(allFlags(cmd))) {
    options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(cleanParseError(e), cmd.name);
  }
  const flags = parsed.values as ParsedInput['flags'];
  const positionals = parsed.positionals;
  if (flags.help) return { args: {}, argv: positionals, flags };

  const specs = cmd.args ?? [];
  const args: ParsedInput['args'] = {};
  specs.forEach((spec, i) => {
    args[spec.name] = spec.variadic ? positionals.slice(i).join(' ') || undefined : positionals[i];
    if (spec.required && args[spec.name] === undefined) throw new UsageError(`Missing required argument ${spec.name}.`, cmd.name);
  });
  const variadicAt = specs.findIndex((s) => s.variadic);
  if (variadicAt < 0 && positionals.length > specs.length) {
    throw new UsageError(`Unexpected argument: ${positionals[specs.length]}`, cmd.name);
  }
  return { args, argv: variadicAt < 0 ? [] : positionals.slice(variadicAt), flags };
}

function cleanParseError(e: unknown): string {
  // parseArgs' own messages name the flag and the fix; keep them on one line.
  return (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
}

export const stringFlag = (input: ParsedInput, name: string): string | undefined => {
  const v = input.flags[name];
  return typeof v === 'string' ? v : undefined;
};
