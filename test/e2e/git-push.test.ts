// `git push berth main` as a user does it: the real git client, credentials from ~/.netrc, against
// a real Berth server deploying on the local runtime, checked through the router.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, type CliResult } from '../support/cli-harness.js';
import { buildDist, Platform, waitFor } from '../support/platform-harness.js';

/** The lines git shows from the server's ` !` problem lines. */
const problemLines = (out: string): string[] => out.split('\n').filter((l) => /^remote: +! /.test(l)).map((l) => l.trimEnd());

const APP = 'git-pushed';
let platform: Platform;
let home: string; // the pusher's HOME: ~/.netrc holds the admin's token
let strangerHome: string; // a second user's HOME: their own token, not the app's owner
let anonHome: string; // no ~/.netrc at all
let repo: string;

interface GitResult { code: number; out: string }

/** git as the user at `userHome` runs it: their ~/.netrc, no system config, never a prompt. */
function git(cwd: string, args: string[], userHome = home): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=Dev', ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: userHome, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

const ok = (r: GitResult): GitResult => {
  expect(r.code, r.out).toBe(0);
  return r;
};
const cliOk = (r: CliResult): CliResult => {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
  return r;
};
const cli = (args: string[], cwd?: string) => berth(args, { home, apiUrl: platform.apiUrl, cwd, env: { BERTH_API_KEY: platform.token } });
const head = async (dir: string) => (await git(dir, ['rev-parse', 'HEAD'])).out.trim();

async function commitAll(dir: string, message: string): Promise<string> {
  ok(await git(dir, ['add', '-A']));
  ok(await git(dir, ['commit', '-q', '-m', message]));
  return head(dir);
}

async function userHome(token?: string): Promise<string> {
  const dir = await platform.tempDir('berth-git-user-');
  if (token) await writeFile(join(dir, '.netrc'), `machine 127.0.0.1\n  login x\n  password ${token}\n`, { mode: 0o600 });
  return dir;
}

const gitUrl = (app = APP) => `${platform.apiUrl}/${app}.git`;

beforeAll(async () => {
  buildDist();
  // An R10 is the release's final verdict (the push is refused): allow `npm start` on a loaded machine.
  platform = await Platform.start({ BERTH_BOOT_TIMEOUT: '20' });
  home = await userHome(platform.token);
  anonHome = await userHome();
  const stranger = { email: 'stranger@example.com', password: 'stranger-password-1' };
  await platform.ok('POST', '/users', stranger);
  const login = await fetch(`${platform.apiUrl}/oauth/authorizations`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${stranger.email}:${stranger.password}`).toString('base64')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ description: 'git e2e' }),
  });
  strangerHome = await userHome(((await login.json()) as { access_token: { token: string } }).access_token.token);
  repo = await platform.copyFixture('node-hello');
  ok(await git(repo, ['init', '-q', '-b', 'main']));
  await commitAll(repo, 'first');
}, 60_000);

afterAll(async () => {
  await platform?.stop();
}, 60_000);

describe('git push', () => {
  it('deploys main after `berth apps:create` added the berth remote, streaming the build as remote: lines', async () => {
    const created = cliOk(await cli(['apps:create', APP], repo));
    expect(created.stderr + created.stdout).toContain('berth');
    expect((await git(repo, ['remote', 'get-url', 'berth'])).out.trim()).toBe(gitUrl());

    const r = ok(await git(repo, ['push', 'berth', 'main']));
    expect(r.out).toMatch(/^remote: -----> Node\.js app detected/m);
    expect(r.out).toMatch(/^remote: -----> Released v\d+/m);
    expect(r.out).toMatch(/^remote: +Released v\d+: live/m);
    expect(r.out).toContain(`remote:        http://${APP}.localhost`);
    expect(r.out).toMatch(/\* \[new branch\] +main -> main/);
    const page = await platform.get(APP, '/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Hello from node-hello');
  }, 90_000);

  it('deploys a new commit, records its SHA, and `berth releases` shows it', async () => {
    const server = join(repo, 'server.js');
    await writeFile(server, (await readFile(server, 'utf8')).replace('Hello from node-hello', 'Hello from a git push'));
    const sha = await commitAll(repo, 'greet differently');
    ok(await git(repo, ['push', 'berth', 'main']));
    expect((await platform.get(APP, '/')).text).toContain('Hello from a git push');

    const builds = (await platform.ok('GET', `/apps/${APP}/builds`)) as { source_blob: { version: string }; status: string }[];
    expect(builds.at(-1)).toMatchObject({ status: 'succeeded', source_blob: { version: sha } });
    expect(cliOk(await cli(['releases', '-a', APP])).stdout).toContain(`Deploy ${sha.slice(0, 12)}`);

    // The push is in the audit trail: by whom, from which address, with which token (its id), which commit.
    const tokens = (await platform.ok('GET', '/oauth/authorizations')) as { id: string; current: boolean }[];
    const [pushed] = (await platform.ok('GET', `/audit-events?app=${APP}&action=build-created`)) as { actor: { email: string }; address: string; token: { id: string }; data: { version: string } }[];
    expect(pushed).toMatchObject({ address: '127.0.0.1', token: { id: tokens.find((t) => t.current)!.id }, data: { version: sha } });
    expect(pushed!.actor.email).toMatch(/@/);
  }, 90_000);

  it('accepts a force-push that rewrites history, and releases it', async () => {
    const before = ((await platform.ok('GET', `/apps/${APP}/releases`)) as { version: number }[]).at(-1)!.version;
    const deployed = await head(repo);
    await writeFile(join(repo, 'NOTES.md'), 'history was rewritten here\n');
    ok(await git(repo, ['add', '-A']));
    ok(await git(repo, ['commit', '-q', '--amend', '-m', 'greet differently, amended']));
    const rewritten = await head(repo);
    expect(rewritten).not.toBe(deployed);
    expect((await git(repo, ['push', 'berth', 'main'])).code).not.toBe(0); // not a fast-forward
    ok(await git(repo, ['push', '--force', 'berth', 'main']));
    expect((await git(repo, ['ls-remote', 'berth', 'refs/heads/main'])).out).toContain(rewritten);
    const releases = (await platform.ok('GET', `/apps/${APP}/releases`)) as { version: number; description: string }[];
    expect(releases.at(-1)).toMatchObject({ version: before + 1, description: `Deploy ${rewritten.slice(0, 12)}` });
    expect((await platform.get(APP, '/')).text).toContain('Hello from a git push');
  }, 90_000);

  it('fails a push whose build fails, with the build error in its output, and keeps serving the old version', async () => {
    const deployed = await head(repo);
    const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8'));
    pkg.scripts.build = "node -e \"console.error('git-push: this build fails on purpose'); process.exit(1)\"";
    await writeFile(join(repo, 'package.json'), JSON.stringify(pkg, null, 2));
    await commitAll(repo, 'break the build');
    const r = await git(repo, ['push', 'berth', 'main']);
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toMatch(/^remote: +git-push: this build fails on purpose/m);
    // One line says why, one says the push is refused: not the same failure four times over.
    expect(problemLines(r.out)).toHaveLength(2);
    expect(problemLines(r.out)[0]).toMatch(/The "build" script failed/);
    expect(problemLines(r.out)[1]).toBe('remote:  !     Push rejected: the build failed; the previous release keeps serving.');
    expect(r.out).toMatch(/! \[remote rejected\] +main -> main \(pre-receive hook declined\)/);
    expect((await platform.get(APP, '/')).text).toContain('Hello from a git push');
    // The branch on Berth still names what runs.
    expect((await git(repo, ['ls-remote', 'berth', 'refs/heads/main'])).out).toContain(deployed);
    ok(await git(repo, ['reset', '-q', '--hard', deployed]));
  }, 90_000);

  it('fails a push whose release command fails, and keeps serving the old version', async () => {
    const deployed = await head(repo);
    await writeFile(join(repo, 'Procfile'), "web: npm start\nrelease: echo 'git-push: the release command fails on purpose' && exit 3\n");
    await commitAll(repo, 'a failing release command');
    const r = await git(repo, ['push', 'berth', 'main']);
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toMatch(/^remote: +git-push: the release command fails on purpose/m);
    expect(problemLines(r.out)).toEqual([
      expect.stringMatching(/^remote:  ! {5}Release command failed with exit code 3; release v\d+ was not deployed\.$/),
      expect.stringMatching(/^remote:  ! {5}Push rejected: release v\d+ failed; the previous release keeps serving\.$/),
    ]);
    expect((await platform.get(APP, '/')).text).toContain('Hello from a git push');
    expect((await git(repo, ['ls-remote', 'berth', 'refs/heads/main'])).out).toContain(deployed);
    ok(await git(repo, ['reset', '-q', '--hard', deployed]));
  }, 90_000);

  it('refuses a push to another branch with a message that says how to deploy it', async () => {
    const r = await git(repo, ['push', 'berth', 'main:feature']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('remote:  !     pushed to feature: Berth deploys only the main or master branch');
    expect(r.out).toContain('git push berth feature:main');
    expect((await git(repo, ['ls-remote', 'berth'])).out).not.toContain('refs/heads/feature');
  }, 30_000);

  it('deploys another branch with the README\'s `git push berth feature:main`', async () => {
    ok(await git(repo, ['checkout', '-q', '-b', 'feature']));
    ok(await git(repo, ['commit', '-q', '--allow-empty', '-m', 'from a feature branch']));
    const sha = await head(repo);
    const r = ok(await git(repo, ['push', 'berth', 'feature:main']));
    expect(r.out).toMatch(/^remote: +Released v\d+: live/m);
    expect((await git(repo, ['ls-remote', 'berth', 'refs/heads/main'])).out).toContain(sha);
    expect(cliOk(await cli(['releases', '-a', APP])).stdout).toContain(`Deploy ${sha.slice(0, 12)}`);
    // Back on main, which now has the deployed commit, so later pushes fast-forward.
    ok(await git(repo, ['checkout', '-q', 'main']));
    ok(await git(repo, ['merge', '-q', '--ff-only', 'feature']));
  }, 90_000);

  it('answers a push without a token with 401 and a basic-auth challenge, before git sends anything', async () => {
    const r = await git(repo, ['push', gitUrl(), 'main'], anonHome);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/could not read Username|Authentication failed/);
    const res = await fetch(`${gitUrl()}/info/refs?service=git-receive-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="Berth"');
    const bad = await fetch(`${gitUrl()}/git-receive-pack`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('x:not-a-token').toString('base64')}`, 'Content-Type': 'application/x-git-receive-pack-request' },
      body: '0000',
    });
    expect(bad.status).toBe(401);
  }, 30_000);

  it("answers another user's token as if the app did not exist (404), as an unknown app", async () => {
    const pushed = await git(repo, ['push', gitUrl(), 'main'], strangerHome);
    expect(pushed.code).not.toBe(0);
    expect(pushed.out).toMatch(/not found|404/);
    const cloned = await git(await platform.tempDir('berth-git-clone-'), ['clone', gitUrl(), 'x'], strangerHome);
    expect(cloned.code).not.toBe(0);
    expect(cloned.out).toMatch(/not found|404/);
    const unknown = await git(repo, ['push', gitUrl('no-such-app'), 'main']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.out).toMatch(/not found/);
  }, 30_000);

  it('serializes two pushes to the app at once: both builds recorded, release numbers in build order', async () => {
    const work = await platform.tempDir('berth-git-concurrent-');
    const [a, b] = [join(work, 'a'), join(work, 'b')];
    ok(await git(work, ['clone', '-q', gitUrl(), a]));
    ok(await git(work, ['clone', '-q', gitUrl(), b]));
    const edit = async (dir: string, text: string) => {
      const server = join(dir, 'server.js');
      await writeFile(server, (await readFile(server, 'utf8')).replace('Hello from a git push', text));
      return commitAll(dir, text);
    };
    const [shaA, shaB] = [await edit(a, 'Hello from clone A'), await edit(b, 'Hello from clone B')];
    const before = ((await platform.ok('GET', `/apps/${APP}/builds`)) as unknown[]).length;
    // Both deploy branches, so git itself lets both land; Berth runs them one after the other.
    const [ra, rb] = await Promise.all([git(a, ['push', 'origin', 'main']), git(b, ['push', 'origin', 'main:master'])]);
    ok(ra);
    ok(rb);

    const builds = ((await platform.ok('GET', `/apps/${APP}/builds`)) as { source_blob: { version: string }; status: string; release: { id: string } }[]).slice(before);
    expect(builds.map((x) => x.source_blob.version).sort()).toEqual([shaA, shaB].sort());
    expect(builds.every((x) => x.status === 'succeeded')).toBe(true);
    const releases = (await platform.ok('GET', `/apps/${APP}/releases`)) as { id: string; version: number }[];
    const versions = builds.map((x) => releases.find((rel) => rel.id === x.release.id)!.version);
    expect(versions[1]).toBeGreaterThan(versions[0]!);
    const last = builds[1]!.source_blob.version === shaA ? 'A' : 'B';
    expect((await platform.get(APP, '/')).text).toContain(`Hello from clone ${last}`);
  }, 120_000);

  it('refuses the later of two pushes to main made from the same commit, clearly', async () => {
    const work = await platform.tempDir('berth-git-race-');
    const [a, b] = [join(work, 'a'), join(work, 'b')];
    ok(await git(work, ['clone', '-q', '-b', 'main', gitUrl(), a]));
    ok(await git(work, ['clone', '-q', '-b', 'main', gitUrl(), b]));
    for (const dir of [a, b]) {
      await mkdir(join(dir, 'public'), { recursive: true });
      await writeFile(join(dir, 'public', 'who.txt'), `${dir}\n`);
      await commitAll(dir, `from ${dir}`);
    }
    const buildCount = async () => ((await platform.ok('GET', `/apps/${APP}/builds`)) as unknown[]).length;
    const before = await buildCount();
    const first = git(a, ['push', 'origin', 'main']);
    // B starts once A is building: B is advertised the old main, then waits for A's turn to end.
    await waitFor(async () => (await buildCount()) > before, 30_000, "the first push's build");
    const second = await git(b, ['push', 'origin', 'main']);
    ok(await first);
    expect(second.code).not.toBe(0);
    expect(second.out).toContain('remote:  !     main was updated by another push while this one waited');
    expect(second.out).toContain('Push rejected: fetch, merge and push again.');
    expect(await buildCount()).toBe(before + 1);
  }, 120_000);

  it('clones back the source of the last deploy', async () => {
    const builds = (await platform.ok('GET', `/apps/${APP}/builds`)) as { source_blob: { version: string }; status: string }[];
    const last = builds.filter((x) => x.status === 'succeeded').at(-1)!.source_blob.version;
    const dir = join(await platform.tempDir('berth-git-clone-'), 'app');
    ok(await git(dirname(dir), ['clone', '-q', gitUrl(), dir]));
    expect(await head(dir)).toBe(last);
    expect(await readFile(join(dir, 'package.json'), 'utf8')).toContain('node-hello');
    await rm(dir, { recursive: true, force: true });
  }, 30_000);
});
