// The real `berth` CLI against a real `berth server`: what a user types, what a user sees.
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import {
  berth, BIN, buildDist, freePort, gitConfigGet, gitRepo, killLeftoverRoles, startServer, tempDir, type CliResult, type RunningServer,
} from '../support/cli-harness.js';

let server: RunningServer;
const dirs: string[] = [];
let adminHome: string;

async function home(): Promise<string> {
  const dir = await tempDir('berth-e2e-user-');
  dirs.push(dir);
  return dir;
}

/** Runs berth as the logged-in admin (HOME = adminHome). */
const admin = (args: string[], extra: { cwd?: string; input?: string; env?: Record<string, string> } = {}) =>
  berth(args, { home: adminHome, apiUrl: server.url, ...extra });

const ok = (r: CliResult): CliResult => {
  expect(r, `berth exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toMatchObject({ code: 0 });
  return r;
};

/** One error line on stderr, nothing that looks like a stack trace. */
const oneLineError = (r: CliResult, code = 1): string => {
  expect(r.code).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
};

beforeAll(async () => {
  buildDist();
  server = await startServer();
  adminHome = await home();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('berth CLI end to end', () => {
  it('logs in with flags, saves an owner-only ~/.netrc entry, and whoami names the user', async () => {
    const r = ok(await admin(['login', '--email', server.adminEmail, '--password', server.adminPassword]));
    expect(r.stdout).toContain(`Logged in as ${server.adminEmail}`);
    const netrc = join(adminHome, '.netrc');
    expect((await stat(netrc)).mode & 0o777).toBe(0o600);
    expect(await readFile(netrc, 'utf8')).toMatch(new RegExp(`machine localhost\\s+login ${server.adminEmail}\\s+password \\S+`));
    expect(ok(await admin(['auth:whoami'])).stdout.trim()).toBe(server.adminEmail);
  });

  it('logs in from stdin lines and replaces the saved entry instead of adding one', async () => {
    const before = await readFile(join(adminHome, '.netrc'), 'utf8');
    ok(await admin(['login'], { input: `${server.adminEmail}\n${server.adminPassword}\n` }));
    const after = await readFile(join(adminHome, '.netrc'), 'utf8');
    expect(after).not.toBe(before);
    expect(after.match(/machine localhost/g)).toHaveLength(1);
    expect(ok(await admin(['whoami'])).stdout.trim()).toBe(server.adminEmail);
  });

  it('logs in as the README does (`login --email …`, the password typed), and auth:token prints the saved token', async () => {
    ok(await admin(['login', '--email', server.adminEmail], { input: `${server.adminPassword}\n` }));
    const saved = /password (\S+)/.exec(await readFile(join(adminHome, '.netrc'), 'utf8'))?.[1];
    expect(saved).toBeTruthy();
    // `export HEROKU_API_KEY=$(npx berth auth:token)`: exactly the token, one line, usable as a bearer token.
    expect(ok(await admin(['auth:token'])).stdout).toBe(`${saved}\n`);
    const account = await fetch(`${server.url}/account`, { headers: { Authorization: `Bearer ${saved}`, Accept: 'application/vnd.heroku+json; version=3' } });
    expect(account.status).toBe(200);
  });

  it('refuses a wrong password with one line and exit 1', async () => {
    const h = await home();
    const r = await berth(['login', '-e', server.adminEmail, '-p', 'wrong'], { home: h, apiUrl: server.url });
    oneLineError(r);
  });

  it('creates, lists, shows and renames an app', async () => {
    const created = ok(await admin(['apps:create', 'cli-demo']));
    expect(created.stderr).toContain('Creating ⬢ cli-demo... done');
    expect(created.stdout).toMatch(/cli-demo\.git/);
    expect(ok(await admin(['apps'])).stdout).toMatch(/^cli-demo$/m);
    const list = JSON.parse(ok(await admin(['apps', '--json'])).stdout) as Array<{ name: string }>;
    expect(list.map((a) => a.name)).toContain('cli-demo');
    const info = ok(await admin(['apps:info', '-a', 'cli-demo'])).stdout;
    expect(info).toContain('=== cli-demo');
    expect(info).toContain(server.adminEmail);
    expect(JSON.parse(ok(await admin(['apps:info', '-a', 'cli-demo', '--json'])).stdout)).toMatchObject({ name: 'cli-demo', owner: { email: server.adminEmail } });

    ok(await admin(['apps:rename', 'cli-renamed', '-a', 'cli-demo']));
    expect(JSON.parse(ok(await admin(['apps:info', '-a', 'cli-renamed', '--json'])).stdout).name).toBe('cli-renamed');
    const gone = oneLineError(await admin(['apps:info', '-a', 'cli-demo']));
    expect(gone).toMatch(/find|not found/i);
  });

  it('reports a bad app name as one line with exit 1', async () => {
    const line = oneLineError(await admin(['apps:create', 'Bad_Name!']));
    expect(line).toMatch(/name/i);
  });

  it('keeps config values literal, including $(id) and =, and unsets them', async () => {
    const weird = '$(id) `id` ; echo pwned';
    const withEquals = 'postgres://u:p@h/db?sslmode=require&a=b';
    const set = ok(await admin(['config:set', `WEIRD=${weird}`, `DB=${withEquals}`, '-a', 'cli-renamed']));
    expect(set.stderr).toMatch(/Setting WEIRD, DB and restarting ⬢ cli-renamed\.\.\. done, v\d+/);
    expect(ok(await admin(['config:get', 'WEIRD', '-a', 'cli-renamed'])).stdout).toBe(weird + '\n');
    expect(ok(await admin(['config:get', 'DB', '-a', 'cli-renamed'])).stdout).toBe(withEquals + '\n');
    expect(JSON.parse(ok(await admin(['config', '--json', '-a', 'cli-renamed'])).stdout)).toEqual({ WEIRD: weird, DB: withEquals });
    expect(ok(await admin(['config', '-a', 'cli-renamed'])).stdout).toContain('=== cli-renamed Config Vars');

    ok(await admin(['config:unset', 'WEIRD', '-a', 'cli-renamed']));
    expect(ok(await admin(['config:get', 'WEIRD', '-a', 'cli-renamed'])).stdout).toBe('\n');
    expect(JSON.parse(ok(await admin(['config', '--json', '-a', 'cli-renamed'])).stdout)).toEqual({ DB: withEquals });
  });

  it('lists config releases newest first and rolls back to the release before the current one', async () => {
    ok(await admin(['config:set', 'STAGE=one', '-a', 'cli-renamed']));
    ok(await admin(['config:set', 'STAGE=two', '-a', 'cli-renamed']));
    const out = ok(await admin(['releases', '-a', 'cli-renamed'])).stdout;
    expect(out).toMatch(/Set STAGE config vars/);
    expect(out).toMatch(/Remove WEIRD config vars/);
    const releases = JSON.parse(ok(await admin(['releases', '--json', '-n', '3', '-a', 'cli-renamed'])).stdout) as Array<{ version: number; description: string }>;
    expect(releases).toHaveLength(3);
    expect(releases[0]!.version).toBeGreaterThan(releases[1]!.version);
    const latest = releases[0]!.version;

    const rb = ok(await admin(['releases:rollback', '-a', 'cli-renamed']));
    expect(rb.stderr).toContain(`Rolling back ⬢ cli-renamed to v${latest - 1}... done, v${latest + 1}`);
    expect(ok(await admin(['config:get', 'STAGE', '-a', 'cli-renamed'])).stdout).toBe('one\n');
    expect(ok(await admin(['releases:info', '-a', 'cli-renamed'])).stdout).toContain(`Rollback to v${latest - 1}`);

    // `releases:rollback v1`, the README's form: back to the first release's config (the first
    // config:set of this app, which WEIRD's unset and both STAGE releases came after).
    const first = ok(await admin(['releases:rollback', 'v1', '-a', 'cli-renamed']));
    expect(first.stderr).toContain(`Rolling back ⬢ cli-renamed to v1... done, v${latest + 2}`);
    expect(JSON.parse(ok(await admin(['config', '--json', '-a', 'cli-renamed'])).stdout)).toEqual({
      WEIRD: '$(id) `id` ; echo pwned', DB: 'postgres://u:p@h/db?sslmode=require&a=b',
    });
    expect(ok(await admin(['releases:info', '-a', 'cli-renamed'])).stdout).toContain('Rollback to v1');
  });

  it('scales process types with quantity and size', async () => {
    const r = ok(await admin(['ps:scale', 'web=2:standard-2x', 'worker=1', '-a', 'cli-renamed']));
    expect(r.stderr).toContain('now running web at 2:Standard-2X, worker at 1:Standard-1X');
    const formation = ok(await admin(['ps:scale', '-a', 'cli-renamed'])).stdout;
    expect(formation).toContain('web=2:Standard-2X');
    expect(formation).toContain('worker=1:Standard-1X');
    expect(ok(await admin(['ps', '-a', 'cli-renamed'])).stdout).toMatch(/web/);
  });

  it('refuses to destroy without a matching --confirm, then destroys with it', async () => {
    ok(await admin(['apps:create', 'cli-doomed']));
    expect(oneLineError(await admin(['apps:destroy', '-a', 'cli-doomed']))).toContain('--confirm cli-doomed');
    expect(oneLineError(await admin(['apps:destroy', '-a', 'cli-doomed', '--confirm', 'other']))).toContain('did not match');
    ok(await admin(['apps:info', '-a', 'cli-doomed']));
    ok(await admin(['apps:destroy', 'cli-doomed', '--confirm', 'cli-doomed']));
    oneLineError(await admin(['apps:info', '-a', 'cli-doomed']));
  });

  it('adds a user who can log in but cannot see the admin\'s app', async () => {
    const added = ok(await admin(['users:add', 'dev@example.com']));
    const password = /Password: (\S+)/.exec(added.stdout)?.[1];
    expect(password).toBeTruthy();
    expect(ok(await admin(['users'])).stdout).toContain('dev@example.com');

    const devHome = await home();
    const dev = (args: string[]) => berth(args, { home: devHome, apiUrl: server.url });
    ok(await berth(['login'], { home: devHome, apiUrl: server.url, input: `dev@example.com\n${password}\n` }));
    expect(ok(await dev(['whoami'])).stdout.trim()).toBe('dev@example.com');
    // Someone else's app is not revealed: it reads as no such app.
    expect(oneLineError(await dev(['apps:info', '-a', 'cli-renamed']))).toMatch(/Couldn't find that app/);
    expect(oneLineError(await dev(['users']))).toMatch(/admin/i);

    oneLineError(await admin(['users:remove', 'dev@example.com']));
    ok(await admin(['users:remove', 'dev@example.com', '--confirm', 'dev@example.com']));
    expect(ok(await admin(['users'])).stdout).not.toContain('dev@example.com');
  });

  it('lists authorizations and revokes another session\'s token at once', async () => {
    const otherHome = await home();
    ok(await berth(['login', '-e', server.adminEmail, '-p', server.adminPassword], { home: otherHome, apiUrl: server.url }));
    const other = (args: string[]) => berth(args, { home: otherHome, apiUrl: server.url });
    const mine = JSON.parse(ok(await other(['authorizations', '--json'])).stdout) as Array<{ id: string; current: boolean }>;
    const otherId = mine.find((a) => a.current)!.id;
    expect(ok(await admin(['authorizations'])).stdout).toContain(otherId);

    ok(await admin(['authorizations:revoke', otherId]));
    oneLineError(await other(['whoami']));
    ok(await admin(['whoami']));
  });

  it('infers the app from the berth git remote that apps:create adds', async () => {
    const repo = await gitRepo();
    dirs.push(repo);
    ok(await admin(['apps:create', 'cli-remote'], { cwd: repo }));
    expect(gitConfigGet(repo, 'remote.berth.url')).toMatch(/\/cli-remote\.git$/);
    ok(await admin(['config:set', 'FROM_REMOTE=yes'], { cwd: repo }));
    expect(ok(await admin(['config:get', 'FROM_REMOTE', '-a', 'cli-remote'])).stdout).toBe('yes\n');

    const other = await gitRepo();
    dirs.push(other);
    oneLineError(await admin(['config'], { cwd: other }), 2);
    ok(await admin(['git:remote', '-a', 'cli-remote'], { cwd: other }));
    expect(JSON.parse(ok(await admin(['apps:info', '--json'], { cwd: other })).stdout).name).toBe('cli-remote');
  });

  it('adds no remote to a repository that apps:create runs in a folder of, only at its top', async () => {
    const repo = await gitRepo();
    dirs.push(repo);
    const nested = join(repo, 'some', 'folder');
    await mkdir(nested, { recursive: true });
    const r = ok(await admin(['apps:create', 'cli-nested'], { cwd: nested }));
    expect(r.stderr).not.toContain('Git remote');
    expect(gitConfigGet(repo, 'remote.berth.url')).toBeUndefined();
  });

  it.each([
    ['BERTH_API_PORT', 'the API'],
    ['BERTH_ROUTER_PORT', 'the router'],
    ['BERTH_ROUTER_HTTPS_PORT', 'the router\'s HTTPS'],
    ['BERTH_RENDEZVOUS_PORT', 'the one-off rendezvous'],
  ])('refuses to start when %s is taken: one line naming the port and the setting, no admin created, no restarts', async (setting, what) => {
    const taken = await new Promise<Server>((resolve, reject) => {
      const s = createServer().once('error', reject);
      s.listen(0, '0.0.0.0', () => resolve(s));
    });
    const busy = (taken.address() as { port: number }).port;
    const serverHome = await home();
    try {
      const ports = {
        BERTH_API_PORT: String(await freePort()), BERTH_ROUTER_PORT: String(await freePort()), BERTH_ROUTER_HTTPS_PORT: String(await freePort()), BERTH_RENDEZVOUS_PORT: String(await freePort()),
        [setting]: String(busy),
      };
      const child = spawn(process.execPath, [BIN, 'server'], {
        env: { PATH: process.env.PATH, BERTH_HOME: serverHome, BERTH_RUNTIME: 'local', ...ports },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000); // a restart loop never exits by itself
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      clearTimeout(timer);
      expect(code, `stdout: ${stdout}\nstderr: ${stderr}`).toBe(78);
      expect(stderr.trimEnd().split('\n'), stderr).toEqual([
        `berth: port ${busy} (${what}, on 0.0.0.0) is already in use; set ${setting} to a free port, or stop what uses it.`,
      ]);
      expect(stdout).not.toMatch(/password/i);
      expect(await readdir(serverHome)).toEqual([]); // no database, no admin, no run/ directory
    } finally {
      taken.close();
      await killLeftoverRoles(serverHome);
    }
  }, 40_000);

  it('prints help for commands without logging in', async () => {
    const h = await home();
    const r = ok(await berth(['config:set', '--help'], { home: h, apiUrl: server.url }));
    expect(r.stdout).toContain('Usage: berth config:set KEY=VALUE...');
    expect(r.stdout).toContain('-a, --app APP');
    expect(ok(await berth(['help'], { home: h, apiUrl: server.url })).stdout).toContain('releases:rollback');
    oneLineError(await berth(['no-such-command'], { home: h, apiUrl: server.url }), 2);
  });

  it('logs out: the token is revoked on the server and removed from ~/.netrc', async () => {
    const token = /password (\S+)/.exec(await readFile(join(adminHome, '.netrc'), 'utf8'))![1]!;
    ok(await admin(['logout']));
    expect(await readFile(join(adminHome, '.netrc'), 'utf8')).not.toContain('machine localhost');
    oneLineError(await admin(['whoami']));
    oneLineError(await admin(['whoami'], { env: { BERTH_API_KEY: token } }));
  });
});
