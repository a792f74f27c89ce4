// Builds the CommandContext of one invocation: API URL, token (env over netrc), app resolution.
import { join } from 'node:path';
import { BerthClient } from '../client/berth-client.js';
import { CliError, UsageError, type CommandContext, type ParsedInput } from './command.js';
import { appFromGitUrl, DEFAULT_REMOTE, type GitRemotes } from './git-remote.js';
import { Netrc } from './netrc.js';
import type { Output } from './output.js';
import type { Stdin } from './prompt.js';

export const DEFAULT_API_URL = 'http://localhost:5000';

export interface ContextDeps {
  out: Output;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  home: string;
  stdin: Stdin;
  git: GitRemotes;
  fetch?: typeof fetch;
  /** This CLI's version, for `berth --version`. */
  version?: string;
}

/** The netrc machine name: the API host without its port, which is what git and curl look up. */
export const netrcMachine = (apiUrl: string): string => new URL(apiUrl).hostname;

export const netrcFor = (home: string): Netrc => new Netrc(join(home, '.netrc'));

const REMOTE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export async function createContext(deps: ContextDeps): Promise<CommandContext> {
  const apiUrl = (deps.env.BERTH_API_URL || DEFAULT_API_URL).replace(/\/+$/, '');
  try {
    new URL(apiUrl);
  } catch {
    throw new CliError(`BERTH_API_URL is not a valid URL: ${apiUrl}`);
  }
  const token = deps.env.BERTH_API_KEY || (await netrcFor(deps.home).get(netrcMachine(apiUrl)))?.password;
  const make = (t?: string) => new BerthClient({ baseUrl: apiUrl, token: t, fetch: deps.fetch, userAgent: 'berth-cli' });

  return {
    out: deps.out,
    env: deps.env,
    cwd: deps.cwd,
    home: deps.home,
    apiUrl,
    stdin: deps.stdin,
    git: deps.git,
    anonymousClient: () => make(),
    clientWithToken: (t: string) => make(t),
    client() {
      if (!token) throw new CliError("Not logged in. Run 'berth login' first (or set BERTH_API_KEY).");
      return make(token);
    },
    async app(input: ParsedInput) {
      const flag = input.flags.app;
      if (typeof flag === 'string' && flag) return flag;
      if (deps.env.BERTH_APP) return deps.env.BERTH_APP;
      const remote = typeof input.flags.remote === 'string' ? input.flags.remote : DEFAULT_REMOTE;
      if (!REMOTE_NAME.test(remote)) throw new UsageError(`Invalid git remote name: ${remote}`);
      const url = await deps.git.getUrl(remote);
      const fromRemote = url ? appFromGitUrl(url) : undefined;
      if (fromRemote) return fromRemote;
      throw new UsageError(`No app specified. Use -a APP, or run inside a git repository with a '${remote}' remote.`);
    },
  };
}
