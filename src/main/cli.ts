// Composition root of the `berth` CLI: wires the real process (env, stdio, git, fetch) into the commands.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { gitRemotes } from '../cli/git-remote.js';
import { Output } from '../cli/output.js';
import { COMMANDS } from '../cli/registry.js';
import { runCommandLine } from '../cli/run-cli.js';

/** The version in Berth's package.json (src/main and dist/main both sit two levels below it). */
function packageVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined; // an unusual install layout: --version says "unknown" rather than failing
  }
}

export function runCli(argv: string[]): Promise<number> {
  const cwd = process.cwd();
  return runCommandLine(argv, COMMANDS, {
    out: new Output(process.stdout, process.stderr),
    env: process.env,
    cwd,
    home: process.env.HOME || homedir(),
    stdin: process.stdin,
    git: gitRemotes(cwd, process.env),
    version: packageVersion(),
  });
}
