// Issue 17: the stock heroku CLI's own https git remote, unchanged, against Berth's API over HTTPS
// (BERTH_API_HTTPS_PORT, the certificate Berth made at start). The user trusts that certificate
// (NODE_EXTRA_CA_CERTS for the CLI, GIT_SSL_CAINFO for git) after checking its fingerprint; the token
// reaches git through the credential helper `heroku git:remote` configures. Registered inside
// heroku-cli.test.ts's deployed-app block.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, berth, gitRepo } from '../support/cli-harness.js';
import { HEROKU_BIN, heroku, herokuEnv, herokuHome } from '../support/heroku-cli.js';
import type { DeployedAppSuite } from './heroku-cli-rest.cases.js';

export function describeHttpsGit(s: DeployedAppSuite): void {
  describe('the API and git over HTTPS', { timeout: 180_000 }, () => {
    it('prints the certificate\'s fingerprint at start; berth api:certificate sees the same one', async () => {
      const server = s.server();
      const fingerprint = new X509Certificate(await readFile(server.apiCertFile)).fingerprint256;
      expect(server.output()).toContain(`Berth API over HTTPS: ${server.httpsUrl} (certificate `);
      expect(server.output()).toContain(`SHA-256 fingerprint ${fingerprint})`);
      const home = await herokuHome();
      s.removeLater(home);
      const seen = await berth(['api:certificate', server.httpsUrl], { home, apiUrl: server.apiUrl });
      expect(seen.stdout).toMatch(new RegExp(`SHA-256 fingerprint:\\s+${fingerprint}`));
    });

    it('pushes through the unchanged https:// remote heroku git:remote writes, the API itself reached over HTTPS', async () => {
      const server = s.server();
      const home = await herokuHome();
      s.removeLater(home);
      // As the README has it: check and save the certificate, trust it for git (http.<url>.sslCAInfo)
      // and for the heroku CLI (NODE_EXTRA_CA_CERTS), which is on PATH as a user has it: git runs
      // `heroku git:credentials` (the helper git:remote configures) for the token.
      const pem = join(home, 'berth-api.pem');
      const saved = await berth(['api:certificate', server.httpsUrl, '--save', pem], { home, apiUrl: server.apiUrl });
      expect(saved.code, saved.stderr).toBe(0);
      const base = herokuEnv(home, { apiUrl: server.httpsUrl, token: server.token });
      const env = { ...base, PATH: `${dirname(HEROKU_BIN)}:${base.PATH}`, NODE_EXTRA_CA_CERTS: pem, GIT_TERMINAL_PROMPT: '0' };
      expect(spawnSync('git', ['config', '--global', `http.${server.httpsUrl}/.sslCAInfo`, pem], { env, encoding: 'utf8' }).status).toBe(0);
      const repo = await gitRepo();
      s.removeLater(repo);
      const git = (args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8', env });
      s.ok(await heroku(['git:remote', '-a', s.app], env, repo));
      // The remote exactly as the CLI wrote it: https on the API's host and port.
      expect(git(['remote', 'get-url', 'heroku']).stdout.trim()).toBe(`${server.httpsUrl}/${s.app}.git`);
      // Start from the app's main where an earlier case pushed one (fetched over the same https
      // remote), as a user with an existing app would; else from nothing.
      const fetched = git(['fetch', 'heroku', 'main']);
      if (fetched.status === 0) expect(git(['checkout', '-q', '-B', 'main', 'FETCH_HEAD']).status).toBe(0);
      else {
        expect(fetched.stderr).toMatch(/couldn't find remote ref main/);
        expect(git(['checkout', '-q', '-b', 'main']).status).toBe(0);
      }
      await cp(join(ROOT, 'test', 'fixtures', 'apps', 'node-hello'), repo, { recursive: true });
      const serverJs = join(repo, 'server.js');
      await writeFile(serverJs, (await readFile(serverJs, 'utf8')).replace('Hello from node-hello', 'Hello over https'));
      for (const args of [['add', '-A'], ['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '-m', 'https push']]) {
        expect(git(args).status, args.join(' ')).toBe(0);
      }
      const push = git(['push', 'heroku', 'main']);
      expect(push.status, push.stderr).toBe(0);
      expect(push.stderr).toContain('remote: -----> Released');
      expect((await s.viaRouter(s.app)).body).toContain('Hello over https');
      const sha = git(['rev-parse', 'HEAD']).stdout.trim();
      expect(s.ok(await heroku(['releases', '-a', s.app], env, repo)).stdout).toContain(`Deploy ${sha.slice(0, 12)}`);
    });

    // certs:auto:enable and certs:auto also read /apps/{app}/domains and /sni-endpoints (the domains/TLS
    // part's): their cases join once that is merged. These two speak only /apps/{app}/acm.
    it('certs:auto:refresh sends PATCH {"acm_refresh": true}; certs:auto:disable --confirm turns automatic certificates off', async () => {
      const api = (method: string, path: string, body?: unknown) => s.server().api(method, path, body);
      expect((await api('POST', `/apps/${s.app}/acm`, {})).body.acm).toBe(true);
      expect((await api('GET', `/apps/${s.app}`)).body.acm).toBe(true);
      const refreshed = s.ok(await s.run(['certs:auto:refresh', '-a', s.app]));
      expect(refreshed.stderr).toContain('Refreshing Automatic Certificate Management... done');
      const disabled = s.ok(await s.run(['certs:auto:disable', '-a', s.app, '--confirm', s.app]));
      expect(disabled.stderr).toContain('Disabling Automatic Certificate Management... done');
      expect((await api('GET', `/apps/${s.app}`)).body.acm).toBe(false);
      const trail = (await api('GET', `/audit-events?app=${s.app}`)).body as Array<{ action: string }>;
      expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['acm-enabled', 'acm-refreshed', 'acm-disabled']));
    });
  });
}
