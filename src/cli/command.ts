// The one definition of a CLI command: parsing, help text and dispatch are all generated from it.
import type { BerthClient } from '../client/berth-client.js';
import type { GitRemotes } from './git-remote.js';
import type { Output } from './output.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** Shown in help as `--flag VALUE`. */
  valueName?: string;
}

export interface ArgSpec {
  name: string;
  description: string;
  required?: boolean;
  /** Takes all remaining positionals (e.g. `config:set K=V...`). */
  variadic?: boolean;
}

export interface ParsedInput {
  args: Record<string, string | undefined>;
  /** The positionals taken by the variadic argument, one element each. */
  argv: string[];
  flags: Record<string, string | boolean | undefined>;
}

export interface CommandDefinition {
  name: string;
  aliases?: string[];
  description: string;
  args?: ArgSpec[];
  flags?: Record<string, FlagSpec>;
  /** Adds `-a/--app` and `-r/--remote`, and resolves the app before `run`. */
  needsApp?: boolean;
  examples?: string[];
  run(ctx: CommandContext, input: ParsedInput): Promise<void>;
}

/** Everything a command may touch; built once per invocation in main/, faked in tests. */
export interface CommandContext {
  out: Output;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  home: string;
  apiUrl: string;
  /** A client with the user's token; fails with "not logged in" when there is none. */
  client(): BerthClient;
  /** A client with a given token (logout revokes the saved one even when BERTH_API_KEY is set). */
  clientWithToken(token: string): BerthClient;
  /** A client without credentials, for health checks and logging in. */
  anonymousClient(): BerthClient;
  /** The app named by `-a`, or inferred from the git remote; fails when neither gives one. */
  app(input: ParsedInput): Promise<string>;
  git: GitRemotes;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
}

/** Wrong use of the command line: exit code 2 and a hint to read the help. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the user can act on, reported as one line with exit code 1. */
/** Ends the command with this exit code and no message (`berth run` passes on the command's code). */
export class CommandExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'CommandExit';
  }
}

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export const defineCommand = (c: CommandDefinition): CommandDefinition => c;
