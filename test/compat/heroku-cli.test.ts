// The official heroku CLI against a real Berth server: what each command prints, and what the API then holds.
import { execFile, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, berth, buildDist, gitRepo, tempDir, type CliResult } from '../support/cli-harness.js';
import {
  deployThroughApi, destroyApps, heroku, herokuCli, herokuEnv, herokuHome, startBerth, waitForWebUp, type BerthServer,
} from '../support/heroku-cli.js';
import { describeWith } from '../support/require-dependency.js';
import { describeRestOfTheList } from './heroku-cli-rest.cases.js';
import { describeDrains } from './heroku-cli-drains.cases.js';
import { describeDomains } from './heroku-cli-domains.cases.js';
import { describeTeams } from './heroku-cli-teams.cases.js';
import { describeWebhooks } from './heroku-cli-webhooks.cases.js';
import { describeHttpsGit } from './heroku-cli-https.cases.js';

const execFileAsync = promisify(execFile);
const APP = 'compat-core';
const WEB = 'compat-web';

let server: BerthServer;
let home: string;
let env: Record<string, string>;
const dirs: string[] = [];
const created = new Set<string>();

const run = (args: string[], cwd = home): Promise<CliResult> => heroku(args, env, cwd);

/** Exit 0, with both streams in the failure message. */
const ok = (r: CliResult): CliResult => {
  expect(r, `heroku exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toMatchObject({ code: 0 });
  return r;
};

/** GET through the router with the app's hostname (fetch would replace the Host header). */
const viaRouter = (app: string, path = '/'): Promise<{ status: number; body: string }> =>
  new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port: server.routerPort, path, headers: { Host: `${app}.localhost` } }, (r) => {
      let body = '';
      r.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.once('error', rej).end();
  });

describeWith(herokuCli, 'official heroku CLI against Berth', () => {
  beforeAll(async () => {
    buildDist();
    server = await startBerth();
    home = await herokuHome();
    dirs.push(home);
    env = herokuEnv(home, server);
  }, 120_000);

  afterAll(async () => {
    // Instances of the local runtime outlive a server stop by design, so destroy the apps first.
    try {
      if (server) {
        await destroyApps(server, created);
        await server.stop();
      }
    } finally {
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    }
  }, 60_000);

  describe('apps, config, releases, formation', () => {
    it('apps:create makes the app and prints its web URL and a git URL on the API host', async () => {
      const r = ok(await run(['apps:create', APP]));
      created.add(APP);
      const app = (await server.api('GET', `/apps/${APP}`)).body;
      expect(app.name).toBe(APP);
      expect(r.stdout.trim()).toBe(`${app.web_url} | https://${new URL(server.apiUrl).host}/${APP}.git`);
      expect(r.stderr).toContain(`Creating ${APP}... done`);
    });

    it('apps lists the app as one of mine; --json prints what the API returns', async () => {
      const r = ok(await run(['apps']));
      expect(r.stdout).toContain(`=== ${server.adminEmail} Apps`);
      expect(r.stdout).toMatch(new RegExp(`^${APP}\\b`, 'm'));
      expect(r.stdout).not.toContain('Collaborated Apps');

      const listed = JSON.parse(ok(await run(['apps', '--json'])).stdout) as { name: string; id: string }[];
      const api = (await server.api('GET', '/users/~/apps')).body as { name: string; id: string }[];
      expect(listed.map((a) => [a.name, a.id])).toEqual(api.map((a) => [a.name, a.id]));
      expect(listed.map((a) => a.name)).toContain(APP);
    });

    it('apps:info shows owner, URLs and stack; --json carries the API app', async () => {
      const app = (await server.api('GET', `/apps/${APP}`)).body;
      const r = ok(await run(['apps:info', '-a', APP]));
      expect(r.stdout).toContain(`=== ${APP}`);
      expect(r.stdout).toMatch(new RegExp(`Owner:\\s+${server.adminEmail}`));
      expect(r.stdout).toMatch(new RegExp(`Web URL:\\s+${app.web_url}`));
      expect(r.stdout).toMatch(new RegExp(`Git URL:\\s+${app.git_url}`));
      expect(r.stdout).toMatch(new RegExp(`Stack:\\s+${app.stack.name}`));

      const info = JSON.parse(ok(await run(['apps:info', '--json', '-a', APP])).stdout);
      expect(info.app).toMatchObject({ id: app.id, name: APP, web_url: app.web_url, owner: { email: server.adminEmail } });
      expect(info.addons).toEqual([]);
    });

    it('config:set stores values verbatim (no shell expansion) and reports the new release', async () => {
      const r = ok(await run(['config:set', 'GREETING=$(id)', 'EXTRA=2', '-a', APP]));
      expect(r.stdout).toMatch(/^GREETING:\s+\$\(id\)$/m);
      expect(r.stdout).toMatch(/^EXTRA:\s+2$/m);
      const newest = (await server.api('GET', `/apps/${APP}/releases`)).body.at(-1);
      expect(r.stderr).toContain(`done, v${newest.version}`);
      expect((await server.api('GET', `/apps/${APP}/config-vars`)).body).toEqual({ GREETING: '$(id)', EXTRA: '2' });
    });

    it('config and config --json print the API config vars', async () => {
      const api = (await server.api('GET', `/apps/${APP}/config-vars`)).body;
      const r = ok(await run(['config', '-a', APP]));
      expect(r.stdout).toContain(`=== ${APP} Config Vars`);
      expect(r.stdout).toMatch(/^GREETING:\s+\$\(id\)$/m);
      expect(JSON.parse(ok(await run(['config', '--json', '-a', APP])).stdout)).toEqual(api);
    });

    it('config:unset removes the key and reports the new release', async () => {
      const r = ok(await run(['config:unset', 'EXTRA', '-a', APP]));
      const releases = (await server.api('GET', `/apps/${APP}/releases`)).body;
      expect(r.stderr).toContain(`done, v${releases.at(-1).version}`);
      expect((await server.api('GET', `/apps/${APP}/config-vars`)).body).toEqual({ GREETING: '$(id)' });
    });

    it('releases lists every release newest first with the current one in the header', async () => {
      const api = (await server.api('GET', `/apps/${APP}/releases`)).body as { version: number; description: string }[];
      expect(api.length).toBeGreaterThanOrEqual(2);
      const r = ok(await run(['releases', '-a', APP]));
      expect(r.stdout).toContain(`=== ${APP} Releases - Current: v${api.at(-1)!.version}`);
      const shown = [...r.stdout.matchAll(/^\s+v(\d+)\s/gm)].map((m) => Number(m[1]));
      expect(shown).toEqual(api.map((x) => x.version).reverse());
      for (const rel of api) expect(r.stdout).toContain(rel.description);
    });

    it('releases:rollback v1 creates a release with v1 config restored', async () => {
      const r = ok(await run(['releases:rollback', 'v1', '-a', APP]));
      const releases = (await server.api('GET', `/apps/${APP}/releases`)).body;
      const newest = releases.at(-1);
      expect(r.stderr).toContain(`Rolling back ${APP} to v1... done, v${newest.version}`);
      expect(newest.description).toMatch(/v1/);
      expect((await server.api('GET', `/apps/${APP}/config-vars`)).body).toEqual({ GREETING: '$(id)', EXTRA: '2' });
    });

    it('ps:scale web=2 (a string quantity) sets the formation', async () => {
      const r = ok(await run(['ps:scale', 'web=2', '-a', APP]));
      expect(r.stderr).toMatch(/now running web at 2:/);
      const formation = (await server.api('GET', `/apps/${APP}/formation`)).body as { type: string; quantity: number }[];
      expect(formation.find((f) => f.type === 'web')?.quantity).toBe(2);
    });

    it('works with the key the README exports: HEROKU_API_KEY=$(npx berth auth:token) after berth login', async () => {
      const berthHome = await tempDir('berth-compat-berth-user-');
      dirs.push(berthHome);
      const asUser = { home: berthHome, apiUrl: server.apiUrl };
      const login = await berth(['login', '--email', server.adminEmail], { ...asUser, input: `${server.adminPassword}\n` });
      expect(login, login.stderr).toMatchObject({ code: 0 });
      const token = await berth(['auth:token'], asUser);
      expect(token.code, token.stderr).toBe(0);
      // Shell command substitution drops the trailing newline; everything else is the key.
      const withKey = { ...env, HEROKU_API_KEY: token.stdout.replace(/\n$/, '') };
      expect(withKey.HEROKU_API_KEY).not.toBe(server.token);
      // `heroku apps && heroku config:set GREETING=hi -a demo && heroku releases -a demo`
      expect(ok(await heroku(['apps'], withKey, home)).stdout).toMatch(new RegExp(`^${APP}\\b`, 'm'));
      ok(await heroku(['config:set', 'GREETING=hi', '-a', APP], withKey, home));
      expect((await server.api('GET', `/apps/${APP}/config-vars`)).body.GREETING).toBe('hi');
      const newest = (await server.api('GET', `/apps/${APP}/releases`)).body.at(-1) as { version: number };
      expect(ok(await heroku(['releases', '-a', APP], withKey, home)).stdout).toMatch(new RegExp(`^\\s*v${newest.version}\\s+Set GREETING config vars`, 'm'));
    });

    it('auth:whoami prints the token owner', async () => {
      const r = ok(await run(['auth:whoami']));
      expect(r.stdout.trim()).toBe((await server.api('GET', '/account')).body.email);
      expect(r.stdout.trim()).toBe(server.adminEmail);
    });

    it('apps:destroy --confirm deletes the app', async () => {
      const r = ok(await run(['apps:destroy', APP, '--confirm', APP]));
      expect(r.stderr).toContain(`Destroying ${APP}`);
      expect((await server.api('GET', `/apps/${APP}`)).status).toBe(404);
      created.delete(APP);
    });
  });

  describe('with a deployed app', () => {
    beforeAll(async () => {
      ok(await run(['apps:create', WEB]));
      created.add(WEB);
      await deployThroughApi(server, WEB, join(ROOT, 'test', 'fixtures', 'apps', 'node-hello'));
    }, 90_000);

    it('ps shows web.1 up, as the API does', async () => {
      const r = ok(await run(['ps', '-a', WEB]));
      expect(r.stdout).toMatch(/^=== web \(.+\): npm start \(1\)$/m);
      expect(r.stdout).toMatch(/^web\.1: up /m);
      const dynos = (await server.api('GET', `/apps/${WEB}/dynos`)).body;
      expect(dynos).toMatchObject([{ name: 'web.1', state: 'up' }]);
    });

    it('ps:restart replaces web.1 with a new instance that comes back up', async () => {
      const before = (await server.api('GET', `/apps/${WEB}/dynos`)).body[0];
      const r = ok(await run(['ps:restart', '-a', WEB]));
      expect(r.stderr).toContain(`Restarting all dynos on ${WEB}... done`);
      await waitForWebUp(server, WEB, before.id);
      const after = (await server.api('GET', `/apps/${WEB}/dynos`)).body;
      expect(after).toHaveLength(1);
      expect(after[0].id).not.toBe(before.id);
      expect((await viaRouter(WEB)).body).toContain('Hello from node-hello');
    });

    it('ps:stop --dyno-name web.1 stops the dyno and the formation brings a new one up', async () => {
      const before = (await server.api('GET', `/apps/${WEB}/dynos`)).body[0];
      const r = ok(await run(['ps:stop', '--dyno-name', 'web.1', '-a', WEB]));
      expect(r.stderr).toContain(`Stopping dyno web.1 on ${WEB}... done`);
      await waitForWebUp(server, WEB, before.id);
      const after = (await server.api('GET', `/apps/${WEB}/dynos`)).body;
      expect(after).toMatchObject([{ name: 'web.1', state: 'up' }]);
      expect(after[0].id).not.toBe(before.id);
    });

    it('logs shows the app output and the router line for a request', async () => {
      const res = await viaRouter(WEB, '/env/PORT');
      expect(res.status).toBe(200);
      const r = ok(await run(['logs', '-a', WEB]));
      expect(r.stdout).toMatch(/ router\[?\]?: at=info method=GET path="\/env\/PORT" host=compat-web\.localhost/);
      expect(r.stdout).toMatch(/ berth\[web\.1\]: State changed from starting to up/);
      expect(r.stdout).toMatch(/ app\[web\.1\]: node-hello listening on \d+$/m);
    });

    it('releases:info shows the deploy release; releases:info vN shows that release\'s config', async () => {
      const deploy = (await server.api('GET', `/apps/${WEB}/releases`)).body.at(-1);
      expect(deploy.description).toMatch(/^Deploy /);
      const r = ok(await run(['releases:info', '-a', WEB]));
      expect(r.stdout).toContain(`=== Release v${deploy.version}`);
      expect(r.stdout).toMatch(new RegExp(`Change:\\s+${deploy.description}`));
      expect(r.stdout).toMatch(new RegExp(`By:\\s+${server.adminEmail}`));
      expect(r.stdout).not.toContain('GREETING');

      ok(await run(['config:set', 'GREETING=ahoy', '-a', WEB]));
      const next = (await server.api('GET', `/apps/${WEB}/releases`)).body.at(-1);
      expect(next.version).toBe(deploy.version + 1);
      const shown = ok(await run(['releases:info', `v${next.version}`, '-a', WEB]));
      expect(shown.stdout).toContain(`=== Release v${next.version}`);
      expect(shown.stdout).toMatch(/^GREETING:\s+ahoy$/m);
      expect((await server.api('GET', `/apps/${WEB}/releases/${next.version}/config-vars`)).body).toEqual({ GREETING: 'ahoy' });
    });

    it('git:remote adds a heroku remote with the https URL the CLI builds from HEROKU_HOST', async () => {
      const repo = await gitRepo();
      dirs.push(repo);
      const r = ok(await run(['git:remote', '-a', WEB], repo));
      const host = new URL(server.apiUrl).host;
      const cliUrl = `https://${host}/${WEB}.git`;
      expect(r.stdout + r.stderr).toContain(`set git remote heroku to ${cliUrl}`);
      const remote = spawnSync('git', ['remote', 'get-url', 'heroku'], { cwd: repo, encoding: 'utf8', env: { ...env } });
      expect(remote.stdout.trim()).toBe(cliUrl);
      // The CLI ignores git_url and hard-codes https; Berth's own git URL is plain HTTP on the same host.
      expect((await server.api('GET', `/apps/${WEB}`)).body.git_url).toBe(`http://${host}/${WEB}.git`);
      expect(await readFile(join(home, '.gitconfig'), 'utf8')).toContain(`[credential "https://${host}"]`);
    });

    it('uploads a source with the CLI\'s own code (POST /sources, got PUT to put_url) that builds from its get_url', async () => {
      const repo = await gitRepo();
      dirs.push(repo);
      await cp(join(ROOT, 'test', 'fixtures', 'apps', 'node-hello'), repo, { recursive: true });
      const git = (args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...env } });
      for (const args of [['add', '-A'], ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '-m', 'source upload']]) {
        expect(git(args).status, args.join(' ')).toBe(0);
      }
      // heroku ci:run packs the commit and uploads it with lib/ci/source.js; run that module as the CLI would,
      // in the repo, with the CLI's API client reduced to the one call it makes here.
      const script = `
        import { createSourceBlob } from ${JSON.stringify(join(ROOT, 'test', 'compat', 'heroku-cli', 'node_modules', 'heroku', 'dist', 'lib', 'ci', 'source.js'))};
        const headers = { Authorization: 'Bearer ' + process.env.TOKEN, Accept: 'application/vnd.heroku+json; version=3' };
        const heroku = {
          post: async (path) => { const r = await fetch(process.env.API + path, { method: 'POST', headers }); return { body: await r.json() }; },
          get: async () => { throw new Error('no GitHub archive here'); },
        };
        // got's keep-alive agent would hold the process open after the upload.
        process.stdout.write(await createSourceBlob('HEAD', { heroku }), () => process.exit(0));`;
      // Not spawnSync: a blocked event loop would miss the server closing idle keep-alive sockets.
      const upload = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, timeout: 60_000, env: { ...process.env, API: server.apiUrl, TOKEN: server.token } });
      const getUrl = upload.stdout.trim();
      expect(getUrl).toMatch(/\/sources\/[\w-]{22}\/[\w-]{43}$/);
      const build = await server.api('POST', `/apps/${WEB}/builds`, { source_blob: { url: getUrl, version: 'ci-source' } });
      expect(build.status, JSON.stringify(build.body)).toBe(201);
      await (await fetch(build.body.output_stream_url)).text();
      expect((await server.api('GET', `/apps/${WEB}/builds/${build.body.id}`)).body.status).toBe('succeeded');
    }, 90_000);

    // A push builds and releases; on a busy machine that alone can take a minute.
    it('pushes through the heroku remote once it points at Berth\'s plain-HTTP git URL', { timeout: 120_000 }, async () => {
      const repo = await gitRepo();
      dirs.push(repo);
      await cp(join(ROOT, 'test', 'fixtures', 'apps', 'node-hello'), repo, { recursive: true });
      const server_js = join(repo, 'server.js');
      await writeFile(server_js, (await readFile(server_js, 'utf8')).replace('Hello from node-hello', 'Hello from a heroku push'));
      const git = (args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...env, GIT_TERMINAL_PROMPT: '0' } });
      for (const args of [['checkout', '-q', '-b', 'main'], ['add', '-A'], ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '-m', 'heroku push']]) {
        expect(git(args).status, args.join(' ')).toBe(0);
      }
      ok(await run(['git:remote', '-a', WEB], repo));
      const gitUrl = (await server.api('GET', `/apps/${WEB}`)).body.git_url as string;
      expect(git(['remote', 'set-url', 'heroku', gitUrl]).status).toBe(0);
      // git reads the token from ~/.netrc for plain HTTP, as `berth login` writes it.
      await writeFile(join(home, '.netrc'), `machine ${new URL(gitUrl).hostname} login heroku password ${server.token}\n`, { mode: 0o600 });
      const push = git(['push', 'heroku', 'main']);
      expect(push.status, push.stderr).toBe(0);
      expect(push.stderr).toContain('remote: -----> Released');
      const sha = git(['rev-parse', 'HEAD']).stdout.trim();
      expect((await viaRouter(WEB)).body).toContain('Hello from a heroku push');
      expect(ok(await run(['releases', '-a', WEB])).stdout).toContain(`Deploy ${sha.slice(0, 12)}`);
    });

    // Each heroku command takes seconds on a busy machine; these tests run several.
    describe('add-ons on the real PostgreSQL and Redis servers', { timeout: 120_000 }, () => {
      const addonsOf = async (app: string) => (await server.api('GET', `/apps/${app}/addons`)).body as { name: string; plan: { name: string }; config_vars: string[] }[];
      const configOf = async (app: string) => (await server.api('GET', `/apps/${app}/config-vars`)).body as Record<string, string>;
      const named = async (service: string) => (await addonsOf(WEB)).find((a) => a.plan.name.startsWith(`${service}:`))!;

      it('addons:create heroku-postgresql (plan sent as {"name": …}) makes a postgresql:dev add-on as DATABASE_URL', async () => {
        const r = ok(await run(['addons:create', 'heroku-postgresql', '-a', WEB]));
        const pg = await named('postgresql');
        expect(pg).toMatchObject({ plan: { name: 'postgresql:dev' }, config_vars: ['DATABASE_URL'] });
        expect(r.stderr).toContain(`Creating heroku-postgresql on ${WEB}... free`);
        expect(r.stdout).toContain(`Created ${pg.name} as DATABASE_URL`);
        expect((await configOf(WEB)).DATABASE_URL).toMatch(/^postgres:\/\//);
      }, 60_000);

      it('addons:create heroku-redis (the README\'s form; a tier such as :mini is the same plan) makes a redis:dev add-on as REDIS_URL', async () => {
        const r = ok(await run(['addons:create', 'heroku-redis', '-a', WEB]));
        const redis = await named('redis');
        expect(redis).toMatchObject({ plan: { name: 'redis:dev' }, config_vars: ['REDIS_URL'] });
        expect(r.stdout).toContain(`Created ${redis.name} as REDIS_URL`);
        expect((await configOf(WEB)).REDIS_URL).toMatch(/^redis:\/\//);
      }, 60_000);

      it('addons:create with a plan neither Berth nor Heroku has fails and creates nothing', async () => {
        const before = await addonsOf(WEB);
        const r = await run(['addons:create', 'heroku-postgresql:huge', '-a', WEB]);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('heroku-postgresql:huge');
        expect(await addonsOf(WEB)).toEqual(before);
      });

      it('addons lists both add-ons with their attachments; --json and --all agree with the API', async () => {
        const [pg, redis] = [await named('postgresql'), await named('redis')];
        const r = ok(await run(['addons', '-a', WEB]));
        expect(r.stdout).toMatch(new RegExp(`postgresql \\(${pg.name}\\)\\s+dev\\s+free\\s+free\\s+created`));
        expect(r.stdout).toMatch(new RegExp(`redis \\(${redis.name}\\)\\s+dev\\s+free\\s+free\\s+created`));
        expect(r.stdout).toMatch(/as DATABASE\b/);
        expect(r.stdout).toMatch(/as REDIS\b/);

        const listed = JSON.parse(ok(await run(['addons', '--json', '-a', WEB])).stdout) as { name: string; attachments: { name: string; app: { name: string } }[] }[];
        expect(listed.map((a) => a.name).sort()).toEqual((await addonsOf(WEB)).map((a) => a.name).sort());
        expect(listed.flatMap((a) => a.attachments.map((x) => `${x.app.name}::${x.name}`)).sort()).toEqual([`${WEB}::DATABASE`, `${WEB}::REDIS`]);

        const all = ok(await run(['addons', '--all']));
        expect(all.stdout).toMatch(new RegExp(`^\\s*${WEB}\\s+${pg.name}\\s+postgresql:dev\\s+free\\s+free\\s+created\\s*$`, 'm'));
        expect(all.stdout).toMatch(new RegExp(`^\\s*${WEB}\\s+${redis.name}\\s+redis:dev\\s+free\\s+free\\s+created\\s*$`, 'm'));
      });

      it('addons:info resolves by attachment name on the app and by add-on name alone', async () => {
        const pg = await named('postgresql');
        for (const args of [['addons:info', 'DATABASE', '-a', WEB], ['addons:info', pg.name]]) {
          const r = ok(await run(args));
          expect(r.stdout).toContain(`=== ${pg.name}`);
          expect(r.stdout).toMatch(/^Plan:\s+postgresql:dev$/m);
          expect(r.stdout).toMatch(/^Price:\s+free$/m);
          expect(r.stdout).toMatch(new RegExp(`^Attachments:\\s+${WEB}::DATABASE$`, 'm'));
          expect(r.stdout).toMatch(new RegExp(`^Owning app:\\s+${WEB}$`, 'm'));
          expect(r.stdout).toMatch(/^State:\s+created$/m);
        }
        const missing = await run(['addons:info', 'NOPE', '-a', WEB]);
        expect(missing.code).not.toBe(0);
        expect(missing.stderr).toMatch(/Couldn't find that add-?on/);
      });

      it('pg:info shows the database behind DATABASE_URL from Berth\'s data API', async () => {
        const pg = await named('postgresql');
        const r = ok(await run(['pg:info', '-a', WEB]));
        expect(r.stdout).toContain('=== DATABASE_URL');
        expect(r.stdout).toMatch(/^Plan:\s+dev$/m);
        expect(r.stdout).toMatch(/^Status:\s+Available$/m);
        expect(r.stdout).toMatch(/^Connections:\s+20$/m);
        expect(r.stdout).toMatch(new RegExp(`^Add-on:\\s+${pg.name}$`, 'm'));
      });

      it('pg:psql -c runs SQL in the app\'s database with Debian\'s psql', async () => {
        const r = ok(await run(['pg:psql', '-a', WEB, '-c', "CREATE TABLE visits (who text); INSERT INTO visits VALUES ('heroku cli'); SELECT who FROM visits;"]));
        expect(r.stderr).toContain(`--> Connecting to ${(await named('postgresql')).name}`);
        expect(r.stdout).toMatch(/^ heroku cli$/m);
        // The row is really there: read it back with psql straight from the app's DATABASE_URL.
        const back = spawnSync('psql', [(await configOf(WEB)).DATABASE_URL!, '-tAc', 'SELECT who FROM visits'], { encoding: 'utf8' });
        expect(back.stdout.trim(), back.stderr).toBe('heroku cli');
        // The README's `heroku pg:psql -a demo`, without -c: psql reads its SQL from stdin.
        const piped = ok(await heroku(['pg:psql', '-a', WEB], env, home, 'SELECT upper(who) FROM visits;\n'));
        expect(piped.stdout).toMatch(/^ HEROKU CLI$/m);
      });

      it('redis:cli --confirm APP talks to the app\'s Redis over its REDIS_URL (plain TCP)', async () => {
        const redis = await named('redis');
        const r = ok(await heroku(['redis:cli', '-a', WEB, '--confirm', WEB], env, home, 'SET greeting ahoy\nGET greeting\n'));
        expect(r.stdout).toContain(`Connecting to ${redis.name} (REDIS_URL):`);
        expect(r.stdout).toMatch(/\bahoy\b/);
        expect(r.stdout).toContain('Disconnected from instance.');
        const back = spawnSync('redis-cli', ['-u', (await configOf(WEB)).REDIS_URL!, '--no-auth-warning', 'GET', 'greeting'], { encoding: 'utf8' });
        expect(back.stdout.trim(), back.stderr).toBe('ahoy');
      });
    });

    // Each heroku command takes seconds on a busy machine; these tests run several.
    describe('stack, features, regions, access, maintenance, sizes, buildpacks', { timeout: 120_000 }, () => {
      it('stack lists Berth\'s one stack and marks the app\'s', async () => {
        const app = (await server.api('GET', `/apps/${WEB}`)).body;
        const r = ok(await run(['stack', '-a', WEB]));
        expect(r.stdout).toContain(`=== ${WEB} Available Stacks`);
        expect(r.stdout).toMatch(new RegExp(`^\\* ${app.stack.name}$`, 'm'));
        expect((await server.api('GET', '/stacks')).body).toMatchObject([{ name: app.stack.name, default: true }]);
      });

      it('stack:set to the app\'s stack succeeds; to an unknown stack it is refused and nothing changes', async () => {
        const before = (await server.api('GET', `/apps/${WEB}`)).body;
        const same = ok(await run(['stack:set', before.stack.name, '-a', WEB]));
        expect(same.stderr).toContain(`Setting stack to ${before.stack.name}... done`);
        expect(same.stdout).not.toContain('redeploy');
        const other = await run(['stack:set', 'heroku-24', '-a', WEB]);
        expect(other.code).not.toBe(0);
        expect(other.stderr).toContain(`Unknown stack "heroku-24". Available: ${before.stack.name}.`);
        expect(other.stderr).not.toContain('... done');
        const after = (await server.api('GET', `/apps/${WEB}`)).body;
        expect([after.stack.name, after.build_stack.name]).toEqual([before.stack.name, before.stack.name]);
      });

      it('labs prints no labs; features lists the edge features http-redirect and hsts, off; features:info names no other feature', async () => {
        const labs = ok(await run(['labs', '-a', WEB]));
        expect(labs.stdout).toContain(`=== User Features ${server.adminEmail}`);
        expect(labs.stdout).toContain(`=== App Features ${WEB}`);
        // `labs --json` prints the app's features unfiltered: the two edge features, nothing of the user's.
        const json = JSON.parse(ok(await run(['labs', '--json', '-a', WEB])).stdout) as { app: Array<{ name: string }>; user: unknown[] };
        expect({ app: json.app.map((f) => f.name), user: json.user }).toEqual({ app: ['http-redirect', 'hsts'], user: [] });
        // Berth's app features are generally available (`general`), which `labs` leaves to `features`.
        const features = ok(await run(['features', '-a', WEB]));
        expect(features.stdout).toContain(`=== App Features ${WEB}`);
        expect(features.stdout).toMatch(/^\[ \] hsts\s+Send Strict-Transport-Security/m);
        expect(features.stdout).toMatch(/^\[ \] http-redirect\s+Redirect plain HTTP/m);
        expect((await server.api('GET', `/apps/${WEB}/features`)).body.map((f: { name: string }) => f.name)).toEqual(['http-redirect', 'hsts']);
        const info = await run(['features:info', 'preboot', '-a', WEB]);
        expect(info.code).not.toBe(0);
        expect(info.stderr).toContain("Couldn't find that feature: preboot.");
      });

      it('regions lists this Berth as one common-runtime region', async () => {
        const r = ok(await run(['regions']));
        expect(r.stdout).toMatch(/^\s*local\s+This Berth installation\s+Common Runtime\s*$/m);
        const app = (await server.api('GET', `/apps/${WEB}`)).body;
        expect((await server.api('GET', '/regions')).body).toMatchObject([{ name: app.region.name, private_capable: false }]);
      });

      it('access lists the owner', async () => {
        const r = ok(await run(['access', '-a', WEB]));
        expect(r.stdout).toMatch(new RegExp(`^\\s*${server.adminEmail.replace(/[.]/g, '\\.')}\\s+owner\\s*$`, 'm'));
        expect((await server.api('GET', `/apps/${WEB}/collaborators`)).body).toMatchObject([{ role: 'owner', user: { email: server.adminEmail } }]);
      });

      it('maintenance:on serves the maintenance page, maintenance shows it, maintenance:off ends it', async () => {
        expect(ok(await run(['maintenance', '-a', WEB])).stdout.trim()).toBe('off');
        expect(ok(await run(['maintenance:on', '-a', WEB])).stderr).toContain(`Enabling maintenance mode for ${WEB}... done`);
        expect((await server.api('GET', `/apps/${WEB}`)).body.maintenance).toBe(true);
        expect(ok(await run(['maintenance', '-a', WEB])).stdout.trim()).toBe('on');
        await expect.poll(async () => (await viaRouter(WEB)).status, { timeout: 10_000 }).toBe(503);
        expect(ok(await run(['maintenance:off', '-a', WEB])).stderr).toContain(`Disabling maintenance mode for ${WEB}... done`);
        expect((await server.api('GET', `/apps/${WEB}`)).body.maintenance).toBe(false);
        await expect.poll(async () => (await viaRouter(WEB)).status, { timeout: 10_000 }).toBe(200);
      });

      it('buildpacks:set heroku/nodejs (through the registry lookup) and an https URL; buildpacks lists them', async () => {
        expect(ok(await run(['buildpacks', '-a', WEB])).stdout.trim()).toBe(`${WEB} has no Buildpacks.`);
        const set = ok(await run(['buildpacks:set', 'heroku/nodejs', '-a', WEB]));
        expect(set.stdout).toContain(`Buildpack set. Next release on ${WEB} will use heroku/nodejs.`);
        expect((await server.api('GET', `/apps/${WEB}/buildpack-installations`)).body).toMatchObject([{ ordinal: 0, buildpack: { url: 'heroku/nodejs' } }]);
        const url = 'https://github.com/heroku/heroku-buildpack-nodejs';
        ok(await run(['buildpacks:set', url, '-a', WEB]));
        const list = ok(await run(['buildpacks', '-a', WEB]));
        expect(list.stdout).toContain(`=== ${WEB} Classic Buildpack`);
        expect(list.stdout).toContain(url);
        expect((await server.api('GET', `/apps/${WEB}/buildpack-installations`)).body.map((b: any) => b.buildpack.url)).toEqual([url]);
        const unknown = await run(['buildpacks:set', 'heroku/no-such-pack', '-a', WEB]);
        expect(unknown.code).not.toBe(0);
        // The CLI's registry client does not treat a 404 as an error: it PUTs a buildpack of `undefined`.
        // (The CLI wraps long errors onto ` ›   ` continuation lines.)
        expect(unknown.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toContain('A buildpack update names no buildpack. Built-in names: heroku/nodejs, heroku/python');
        ok(await run(['buildpacks:clear', '-a', WEB]));
        expect((await server.api('GET', `/apps/${WEB}/buildpack-installations`)).body).toEqual([]);
      });

      it('ps:type standard-2x resizes every process type; ps:type web=standard-1x one', async () => {
        const r = ok(await run(['ps:type', 'standard-2x', '-a', WEB]));
        expect(r.stderr).toContain(`Scaling dynos on ${WEB}... done`);
        expect(r.stdout).toContain('=== Process Types');
        expect(r.stdout).toMatch(/^\s*web\s+standard-2x\s+1\b/m);
        expect((await server.api('GET', `/apps/${WEB}/formation`)).body.find((f: any) => f.type === 'web')).toMatchObject({ size: 'standard-2x', quantity: 1 });
        ok(await run(['ps:type', 'web=standard-1x', '-a', WEB]));
        expect((await server.api('GET', `/apps/${WEB}/formation`)).body.find((f: any) => f.type === 'web')).toMatchObject({ size: 'standard-1x', quantity: 1 });
        const shown = ok(await run(['ps:type', '-a', WEB]));
        expect(shown.stdout).toMatch(/^\s*web\s+standard-1x\s+1\b/m);
      });
    });

    describeRestOfTheList({
      server: () => server, env: () => env, app: WEB, run, ok, viaRouter, removeLater: (dir) => dirs.push(dir),
    });
    describeTeams({
      server: () => server, env: () => env, app: WEB, run, ok, viaRouter, removeLater: (dir) => dirs.push(dir),
    });
    describeDrains({
      server: () => server, env: () => env, app: WEB, run, ok, viaRouter, removeLater: (dir) => dirs.push(dir),
    });
    describeWebhooks({
      server: () => server, env: () => env, app: WEB, run, ok, viaRouter, removeLater: (dir) => dirs.push(dir),
    });
    describeHttpsGit({
      server: () => server, env: () => env, app: WEB, run, ok, viaRouter, removeLater: (dir) => dirs.push(dir),
    });
    describeDomains({
      server: () => server, env: () => env, app: WEB, run, ok, viaRouter, removeLater: (dir) => dirs.push(dir),
    });
  });
});
