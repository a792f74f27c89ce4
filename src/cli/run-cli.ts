// Dispatch: find the command, parse its input, run it, and turn every failure into one line and an exit code.
import { ApiError, ConnectionError } from '../client/api-error.js';
import { CliError, CommandExit, UsageError, type CommandDefinition } from './command.js';
import { createContext, type ContextDeps } from './context.js';
import { commandHelp, overviewHelp } from './help.js';
import { parseInput } from './parse-input.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function findCommand(commands: readonly CommandDefinition[], name: string): CommandDefinition | undefined {
  return commands.find((c) => c.name === name || c.aliases?.includes(name));
}

export async function runCommandLine(argv: string[], commands: readonly CommandDefinition[], deps: ContextDeps): Promise<number> {
  const { out } = deps;
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    out.line(overviewHelp(commands));
    return EXIT_OK;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    // heroku's format: `heroku/11.10.0 linux-x64 node-v20.11.0`.
    out.line(`berth/${deps.version ?? 'unknown'} ${process.platform}-${process.arch} node-${process.version}`);
    return EXIT_OK;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      out.line(overviewHelp(commands));
      return EXIT_OK;
    }
    const cmd = findCommand(commands, topic);
    if (!cmd) return usageFailure(deps, `Unknown command: ${topic}. See 'berth help'.`);
    out.line(commandHelp(cmd));
    return EXIT_OK;
  }
  const cmd = findCommand(commands, first);
  if (!cmd) return usageFailure(deps, `Unknown command: ${first}. See 'berth help'.`);

  try {
    const input = parseInput(cmd, rest);
    if (input.flags.help) {
      out.line(commandHelp(cmd));
      return EXIT_OK;
    }
    const ctx = await createContext(deps);
    await cmd.run(ctx, input);
    return EXIT_OK;
  } catch (e) {
    return reportFailure(deps, cmd, e);
  }
}

function usageFailure(deps: ContextDeps, message: string): number {
  deps.out.error(message);
  return EXIT_USAGE;
}

function reportFailure(deps: ContextDeps, cmd: CommandDefinition, e: unknown): number {
  const { out } = deps;
  if (e instanceof CommandExit) return e.code;
  if (e instanceof UsageError) {
    out.error(`${e.message} See 'berth help ${e.command ?? cmd.name}'.`);
    return EXIT_USAGE;
  }
  if (e instanceof ApiError) {
    const hint = e.status === 401 ? " Run 'berth login' to log in again." : '';
    out.error(e.message + hint);
    return EXIT_FAILURE;
  }
  if (e instanceof CliError || e instanceof ConnectionError) {
    out.error(e.message);
    return EXIT_FAILURE;
  }
  // Anything else is a bug or an environment failure: still one line, the stack only on request.
  const message = e instanceof Error ? e.message : String(e);
  out.error(message);
  if (deps.env.BERTH_DEBUG && e instanceof Error && e.stack) out.info(e.stack);
  return EXIT_FAILURE;
}
