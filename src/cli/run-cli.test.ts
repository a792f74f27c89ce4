import { describe, expect, it } from 'vitest';
import type { GitRemotes } from './git-remote.js';
import { Output } from './output.js';
import { COMMANDS } from './registry.js';
import { runCommandLine } from './run-cli.js';

/** Runs the CLI in-process against a canned fetch, capturing stdout and stderr. */
async function cli(argv: string[], respond: (url: string, init: RequestInit) => Response, remoteUrl?: string) {
  let stdout = '';
  let stderr = '';
  const requests: string[] = [];
  const git: GitRemotes = {
    isRepo: async () => remoteUrl !== undefined,
    isTopLevel: async () => remoteUrl !== undefined,
    getUrl: async () => remoteUrl,
    setUrl: async () => 'added',
    remove: async () => {},
  };
  const code = await runCommandLine(argv, COMMANDS, {
    out: new Output({ write: (s: string) => (stdout += s) }, { write: (s: string) => (stderr += s) }),
    env: { BERTH_API_KEY: 'tok', BERTH_API_URL: 'http://api.test' },
    cwd: '/nonexistent',
    home: '/nonexistent',
    stdin: process.stdin,
    git,
    fetch: (async (url: string, init: RequestInit) => {
      requests.push(`${init.method} ${url}`);
      return respond(url, init);
    }) as unknown as typeof fetch,
  });
  return { code, stdout, stderr, requests };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('runCommandLine', () => {
  it('reports an API error as one line and exit code 1', async () => {
    const r = await cli(['apps:info', '-a', 'nope'], () => json(404, { id: 'not_found', message: "Couldn't find that app.", resource: 'app' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(" ▸    Couldn't find that app.\n");
    expect(r.stdout).toBe('');
  });

  it('refuses unknown flags and missing arguments with exit code 2, before any request', async () => {
    const unknownFlag = await cli(['apps', '--bogus'], () => json(200, []));
    const missingArg = await cli(['config:get', '-a', 'demo'], () => json(200, {}));
    expect([unknownFlag.code, missingArg.code]).toEqual([2, 2]);
    expect(missingArg.stderr).toContain('Missing required argument KEY');
    expect([...unknownFlag.requests, ...missingArg.requests]).toEqual([]);
  });

  it('config:get of a key named like an object property prints it only when it is set', async () => {
    const unset = await cli(['config:get', 'constructor', '-a', 'demo'], () => json(200, { A: '1' }));
    expect([unset.code, unset.stdout]).toEqual([0, '\n']);
    const set = await cli(['config:get', 'constructor', '-a', 'demo'], () => json(200, { constructor: 'c' }));
    expect(set.stdout).toBe('c\n');
  });

  it('takes the app from the berth git remote when -a is absent', async () => {
    const r = await cli(['config', '--json'], () => json(200, { A: '1' }), 'http://localhost:5000/from-remote.git');
    expect(r.requests).toEqual(['GET http://api.test/apps/from-remote/config-vars']);
    expect(JSON.parse(r.stdout)).toEqual({ A: '1' });
  });

  it('sends config:set values literally, splitting only at the first =', async () => {
    let body = '';
    await cli(['config:set', 'URL=a=b&c=$(id)', '-a', 'demo'], (url, init) => {
      if (init.method === 'PATCH') body = init.body as string;
      return url.includes('releases') ? json(200, [{ version: 4 }]) : json(200, { URL: 'a=b&c=$(id)' });
    });
    expect(JSON.parse(body)).toEqual({ URL: 'a=b&c=$(id)' });
  });

  it('scales with sizes in one formation batch update', async () => {
    let body = '';
    const r = await cli(['ps:scale', 'web=2:standard-2x', 'worker=1', '-a', 'demo'], (_url, init) => {
      body = init.body as string;
      return json(200, [
        { type: 'web', quantity: 2, size: 'standard-2x' },
        { type: 'worker', quantity: 1, size: 'standard-1x' },
      ]);
    });
    expect(JSON.parse(body)).toEqual({ updates: [{ type: 'web', quantity: 2, size: 'standard-2x' }, { type: 'worker', quantity: 1 }] });
    expect(r.stderr).toContain('now running web at 2:Standard-2X, worker at 1:Standard-1X');
  });

  it('prints help for every command without contacting the API', async () => {
    for (const cmd of COMMANDS) {
      const r = await cli([cmd.name, '--help'], () => json(500, {}));
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: berth ${cmd.name}`);
      expect(r.requests).toEqual([]);
    }
  });
});
