// Opens a service's own client (psql, redis-cli) on an add-on's URL, with the terminal inherited.
import { spawn } from 'node:child_process';
import { CliError, CommandExit } from '../command.js';

/**
 * Runs `program args…` (argv only) with inherited stdio. A client that fails (psql refused by the
 * server, exit 2) makes `berth` exit with its code (as `berth run` does), not 0.
 */
export async function openClient(program: string, args: string[]): Promise<void> {
  const code = await exitCodeOf(program, args);
  if (code !== 0) throw new CommandExit(code);
}

function exitCodeOf(program: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: 'inherit' });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new CliError(`${program} is not installed here (Debian: apt-get install ${program === 'psql' ? 'postgresql-client' : 'redis-tools'}).`) : e));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** The `<NAME>_URL` config var of an attachment, or a clear error naming what the app has. */
export function attachmentUrl(vars: Record<string, string>, app: string, name: string): string {
  const key = `${name.toUpperCase().replace(/_URL$/, '')}_URL`;
  const url = vars[key];
  if (!url) throw new CliError(`${app} has no ${key}. See berth addons -a ${app}.`);
  return url;
}
