// The rest of issue 12's everyday heroku commands against the deployed app of heroku-cli.test.ts:
// registered inside its "with a deployed app" block so the suite deploys once.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitRepo, type CliResult } from '../support/cli-harness.js';
import { startHeroku, waitForWebUp, type BerthServer } from '../support/heroku-cli.js';

export interface DeployedAppSuite {
  server(): BerthServer;
  env(): Record<string, string>;
  /** The deployed app's name. */
  app: string;
  run(args: string[], cwd?: string): Promise<CliResult>;
  /** Asserts exit 0 and returns the result. */
  ok(r: CliResult): CliResult;
  viaRouter(app: string, path?: string): Promise<{ status: number; body: string }>;
  /** A directory for the suite to remove at the end. */
  removeLater(dir: string): void;
}

type Release = { id: string; version: number; description: string; current: boolean; slug: { id: string } | null };

const marker = (what: string) => `compat-${what}-${randomBytes(4).toString('hex')}`;

export function describeRestOfTheList(s: DeployedAppSuite): void {
  const api = (method: string, path: string, body?: unknown) => s.server().api(method, path, body);
  const releasesOf = async (app: string) => (await api('GET', `/apps/${app}/releases`)).body as Release[];

  // Each heroku command takes seconds on a busy machine; these tests run several.
  describe('config:get, logs -n / --tail, run:detached, ps:restart -p / -d, apps:info --json, rollback of code, apps:rename', { timeout: 120_000 }, () => {
    it('config:get prints one value (plain, --shell quoted, --json); a missing key prints an empty line', async () => {
      const value = "it's two words";
      expect((await api('PATCH', `/apps/${s.app}/config-vars`, { COMPAT_QUOTED: value })).status).toBe(200);
      expect(s.ok(await s.run(['config:get', 'COMPAT_QUOTED', '-a', s.app])).stdout).toBe(`${value}\n`);
      // --shell quotes for a POSIX shell: reading the line back with sh gives the value unchanged.
      const shell = s.ok(await s.run(['config:get', 'COMPAT_QUOTED', '--shell', '-a', s.app])).stdout;
      expect(shell).toMatch(/^COMPAT_QUOTED=/);
      expect(spawnSync('sh', ['-c', `${shell.trim()}; printf %s "$COMPAT_QUOTED"`], { encoding: 'utf8' }).stdout).toBe(value);
      expect(JSON.parse(s.ok(await s.run(['config:get', 'COMPAT_QUOTED', '--json', '-a', s.app])).stdout)).toEqual({ key: 'COMPAT_QUOTED', value });
      expect(s.ok(await s.run(['config:get', 'NO_SUCH_VAR', '-a', s.app])).stdout).toBe('\n');
      expect((await api('GET', `/apps/${s.app}/config-vars`)).body).toMatchObject({ COMPAT_QUOTED: value });
    });

    it('logs -n N prints the last N lines; -n 1 -s router is the router line of the latest request', async () => {
      const path = `/${marker('logs-n')}`;
      expect((await s.viaRouter(s.app, path)).status).toBe(404);
      // The router ships its access-log lines to the API in batches: wait for the line, not for a time.
      await expect.poll(async () => s.ok(await s.run(['logs', '-n', '1', '-s', 'router', '-a', s.app])).stdout, { timeout: 20_000 })
        .toMatch(new RegExp(`^\\S+ router\\[?\\]?: at=info method=GET path="${path}" .*status=404`));
      const one = s.ok(await s.run(['logs', '-n', '1', '-s', 'router', '-a', s.app])).stdout;
      expect(one.trimEnd().split('\n')).toHaveLength(1);
      const three = s.ok(await s.run(['logs', '-n', '3', '-a', s.app])).stdout.trimEnd().split('\n');
      expect(three).toHaveLength(3);
      for (const line of three) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+ [\w-]+(\[[\w.]*\])?: /);
    });

    it('run:detached runs the command in a one-off dyno whose output reaches logs', async () => {
      const word = marker('detached');
      const r = s.ok(await s.run(['run:detached', '-a', s.app, '--', 'echo', word]));
      const dyno = /heroku logs --app \S+ --dyno (run\.\d+)/.exec(r.stdout)?.[1];
      expect(dyno, r.stdout + r.stderr).toBeDefined();
      expect(r.stderr).toContain(`Running echo ${word} on ${s.app}... done`);
      await expect.poll(async () => s.ok(await s.run(['logs', '--dyno', dyno!, '-a', s.app])).stdout, { timeout: 30_000 })
        .toMatch(new RegExp(`^\\S+ app\\[${dyno!.replace('.', '\\.')}\\]: ${word}$`, 'm'));
    });

    it('logs --tail streams a line written after it started (an app one-off and a request), and stops on Ctrl-C', async () => {
      const tail = startHeroku(['logs', '--tail', '-a', s.app], s.env(), s.env().HOME!);
      let stopped: CliResult;
      try {
        // The recent lines come first: once they are printed the CLI is reading the live stream.
        await tail.waitFor(/\n/);
        const word = marker('tail');
        s.ok(await s.run(['run:detached', '-a', s.app, '--', 'echo', word]));
        await tail.waitFor(new RegExp(`^\\S+ app\\[run\\.\\d+\\]: ${word}$`, 'm'));
        const path = `/${marker('tail-request')}`;
        await s.viaRouter(s.app, path);
        await tail.waitFor(new RegExp(`router\\[?\\]?: at=info method=GET path="${path}"`));
      } finally {
        stopped = await tail.stop();
      }
      // Stopped by the signal, not by a stream that ended on its own ("Log stream timed out").
      expect(stopped.stderr).not.toMatch(/timed out|Error/);
      // One stream that stayed open: a CLI that reconnected would have printed the recent lines again.
      const first = stopped.stdout.split('\n')[0]!;
      expect(stopped.stdout.split('\n').filter((l) => l === first)).toHaveLength(1);
    });

    it('ps:restart -p web and ps:restart -d web.1 each replace web.1 with a new instance that comes back up', async () => {
      for (const [args, said] of [[['-p', 'web'], `Restarting all web dynos on ${s.app}... done`], [['-d', 'web.1'], `Restarting dyno web.1 on ${s.app}... done`]] as const) {
        const before = ((await api('GET', `/apps/${s.app}/dynos`)).body as { id: string; name: string }[]).find((d) => d.name === 'web.1')!;
        const r = s.ok(await s.run(['ps:restart', ...args, '-a', s.app]));
        expect(r.stderr).toContain(said);
        await waitForWebUp(s.server(), s.app, before.id);
        expect(((await api('GET', `/apps/${s.app}/dynos`)).body as { name: string }[]).map((d) => d.name)).toEqual(['web.1']);
      }
      expect((await s.viaRouter(s.app)).status).toBe(200);
    });

    it('apps:info --json carries the running dynos and the add-ons the API lists', async () => {
      const info = JSON.parse(s.ok(await s.run(['apps:info', '--json', '-a', s.app])).stdout);
      const dynos = (await api('GET', `/apps/${s.app}/dynos`)).body as { name: string }[];
      const addons = (await api('GET', `/apps/${s.app}/addons`)).body as { name: string }[];
      expect(info.app).toMatchObject({ name: s.app, stack: { name: expect.any(String) }, repo_size: expect.any(Number), slug_size: expect.any(Number) });
      expect(info.dynos.map((d: { name: string }) => d.name).sort()).toEqual(dynos.map((d) => d.name).sort());
      expect(info.dynos.map((d: { name: string }) => d.name)).toContain('web.1');
      expect(info.addons.map((a: { name: string }) => a.name).sort()).toEqual(addons.map((a) => a.name).sort());
    });

    it('releases:rollback vN brings back that release\'s code; rollback without a version undoes it', async () => {
      const before = await releasesOf(s.app);
      const current = before.find((r) => r.current)!;
      // The latest deploy (the git push) changed the greeting; the release before it ran the older code.
      const push = before.filter((r) => r.description.startsWith('Deploy ')).at(-1)!;
      const older = before.find((r) => r.version === push.version - 1);
      expect(older, 'runs after the suite\'s git push test, which deploys new code').toBeDefined();
      expect(older!.slug?.id).not.toBe(push.slug?.id);
      expect((await s.viaRouter(s.app)).body).toContain('Hello from a heroku push');

      const back = s.ok(await s.run(['releases:rollback', `v${older!.version}`, '-a', s.app]));
      const rolled = (await releasesOf(s.app)).find((r) => r.current)!;
      expect(back.stderr).toContain(`Rolling back ${s.app} to v${older!.version}... done, v${rolled.version}`);
      expect(rolled).toMatchObject({ version: current.version + 1, slug: { id: older!.slug!.id } });
      await expect.poll(async () => (await s.viaRouter(s.app)).body, { timeout: 30_000 }).toMatch(/Hello from node-hello/);

      // No version: the CLI picks the newest eligible release before the current one (the one just left).
      const undo = s.ok(await s.run(['releases:rollback', '-a', s.app]));
      const restored = (await releasesOf(s.app)).find((r) => r.current)!;
      expect(undo.stderr).toContain(`Rolling back ${s.app} to v${current.version}... done, v${restored.version}`);
      expect(restored.slug?.id).toBe(current.slug?.id);
      await expect.poll(async () => (await s.viaRouter(s.app)).body, { timeout: 30_000 }).toContain('Hello from a heroku push');
    });

    it('apps:rename: the API, the router, git and the heroku remote follow the new name; the old one is gone', async () => {
      const oldName = s.app;
      const newName = `${oldName}-renamed`;
      const host = new URL(s.server().apiUrl).host;
      const repo = await gitRepo();
      s.removeLater(repo);
      const git = (args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...s.env(), GIT_TERMINAL_PROMPT: '0' } });
      s.ok(await s.run(['git:remote', '-a', oldName], repo));

      const r = s.ok(await s.run(['apps:rename', newName, '-a', oldName], repo));
      try {
        const app = (await api('GET', `/apps/${newName}`)).body;
        expect(app.name).toBe(newName);
        expect(r.stderr).toContain(`Renaming ${oldName} to ${newName}... done`);
        expect(r.stdout).toContain(`${app.web_url} | https://${host}/${newName}.git`);
        expect(r.stdout).toContain('Git remote heroku updated');
        expect(git(['remote', 'get-url', 'heroku']).stdout.trim()).toBe(`https://${host}/${newName}.git`);
        expect(app.web_url).toContain(newName);
        expect(app.git_url).toBe(`http://${host}/${newName}.git`);

        expect((await api('GET', `/apps/${oldName}`)).status).toBe(404);
        const gone = await s.run(['apps:info', '-a', oldName]);
        expect(gone.code).not.toBe(0);
        expect(gone.stderr).toContain("Couldn't find that app.");

        // The router serves the app under its new host name only.
        await expect.poll(async () => (await s.viaRouter(newName)).status, { timeout: 10_000 }).toBe(200);
        expect((await s.viaRouter(newName)).body).toContain('Hello from');
        await expect.poll(async () => (await s.viaRouter(oldName)).status, { timeout: 10_000 }).toBe(404);

        // git: the app's repository answers at the new name (plain HTTP: the token from ~/.netrc, as `berth login` writes it).
        await writeFile(join(s.env().HOME!, '.netrc'), `machine ${new URL(app.git_url).hostname} login heroku password ${s.server().token}\n`, { mode: 0o600 });
        const lsNew = git(['ls-remote', app.git_url]);
        expect(lsNew.status, lsNew.stderr).toBe(0);
        const lsOld = git(['ls-remote', `http://${host}/${oldName}.git`]);
        expect(lsOld.status).not.toBe(0);
        expect(lsOld.stderr).toMatch(/404|not found/i);
      } finally {
        // The suite's other cases and its clean-up use the old name.
        s.ok(await s.run(['apps:rename', oldName, '-a', newName], repo));
      }
      expect(git(['remote', 'get-url', 'heroku']).stdout.trim()).toBe(`https://${host}/${oldName}.git`);
      await expect.poll(async () => (await s.viaRouter(oldName)).status, { timeout: 10_000 }).toBe(200);
      expect((await s.viaRouter(newName)).status).toBe(404);
    });
  });
}
