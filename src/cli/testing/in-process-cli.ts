// Runs `berth` in-process for CLI tests: argv in; exit code, stdout, stderr and the requests made out.
// The API is either real (a test API's URL, real fetch) or canned (`respond` answers every request).
import type { GitRemotes } from '../git-remote.js';
import { Output } from '../output.js';
import { COMMANDS } from '../registry.js';
import { runCommandLine } from '../run-cli.js';

/** No git repository anywhere: commands that look for a git remote find none. */
export const noGit: GitRemotes = { isRepo: async () => false, isTopLevel: async () => false, getUrl: async () => undefined, setUrl: async () => 'added', remove: async () => {} };

export const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export interface CliRun { code: number; stdout: string; stderr: string; requests: string[] }

export async function runBerth(argv: string[], api: { url: string; token: string; respond?: (url: string, init: RequestInit) => Response | Promise<Response> }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const requests: string[] = [];
  const code = await runCommandLine(argv, COMMANDS, {
    out: new Output({ write: (s: string) => (stdout += s) }, { write: (s: string) => (stderr += s) }),
    env: { BERTH_API_KEY: api.token, BERTH_API_URL: api.url }, cwd: '/nonexistent', home: '/nonexistent', stdin: process.stdin, git: noGit,
    fetch: (async (url: string, init: RequestInit) => {
      requests.push(`${init.method} ${url}${init.body ? ` ${init.body as string}` : ''}`);
      return api.respond ? api.respond(url, init) : fetch(url, init);
    }) as unknown as typeof fetch,
  });
  return { code, stdout, stderr, requests };
}
