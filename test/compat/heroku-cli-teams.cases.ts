// Issue 15's team commands of the stock heroku CLI against Berth: teams, members*, access*, and
// apps:transfer into a team. Registered inside heroku-cli.test.ts's deployed-app block, so the suite
// starts one server; the team, its apps and its users are this file's own.
import { describe, expect, it } from 'vitest';
import { heroku, herokuEnv, herokuHome } from '../support/heroku-cli.js';
import type { DeployedAppSuite } from './heroku-cli-rest.cases.js';

const TEAM = 'compat-team';
const APP = 'compat-team-app';
const MEMBER = 'compat-member@example.com';

export function describeTeams(s: DeployedAppSuite): void {
  const api = (method: string, path: string, body?: unknown) => s.server().api(method, path, body);
  /** The heroku CLI run as the member, from their own HOME. */
  const asMember = async (args: string[]) => {
    const basic = Buffer.from(`${MEMBER}:compat-member-password`).toString('base64');
    const res = await fetch(`${s.server().apiUrl}/oauth/authorizations`, {
      method: 'POST', headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ description: 'compat member' }),
    });
    const token = ((await res.json()) as { access_token: { token: string } }).access_token.token;
    const home = await herokuHome();
    s.removeLater(home);
    return heroku(args, herokuEnv(home, { apiUrl: s.server().apiUrl, token }), home);
  };
  const lines = (text: string) => text.split('\n').map((l) => l.trim().split(/\s{2,}|\s+/).join(' '));

  describe('teams, members, members:add/set/remove, access, access:add/update/remove, apps:transfer', { timeout: 120_000 }, () => {
    it('teams lists the team with the role; members:add, members:set and members:remove change who is in it', async () => {
      expect((await api('POST', '/users', { email: MEMBER, password: 'compat-member-password' })).status).toBe(201);
      expect((await api('POST', '/teams', { name: TEAM })).status).toBe(201);
      expect(lines(s.ok(await s.run(['teams'])).stdout)).toContain(`${TEAM} admin`);

      const added = s.ok(await s.run(['members:add', MEMBER, '--team', TEAM, '--role', 'member']));
      expect(added.stderr).toContain(`Adding ${MEMBER} to ${TEAM} as member... done`);
      expect(lines(s.ok(await s.run(['members', '--team', TEAM])).stdout)).toEqual(expect.arrayContaining([`${s.server().adminEmail} admin`, `${MEMBER} member`]));
      s.ok(await s.run(['members:set', MEMBER, '--team', TEAM, '--role', 'viewer']));
      expect(lines(s.ok(await s.run(['members', '--team', TEAM, '--role', 'viewer'])).stdout)).toContain(`${MEMBER} viewer`);
      expect(lines(s.ok(await asMember(['teams'])).stdout)).toContain(`${TEAM} viewer`);
      s.ok(await s.run(['members:remove', MEMBER, '--team', TEAM]));
      expect(s.ok(await s.run(['members', '--team', TEAM, '--role', 'viewer'])).stdout).toContain(`No members in ${TEAM} with role viewer`);
      s.ok(await s.run(['members:add', MEMBER, '--team', TEAM, '--role', 'member']));
    });

    it('access:add --permissions grants a member permissions on a team app; access shows them; access:update and access:remove change them', async () => {
      expect((await api('POST', '/teams/apps', { name: APP, team: TEAM })).status).toBe(201);
      // A member sees the team app but may not touch its config until granted deploy.
      expect((await asMember(['config', '-a', APP])).code).not.toBe(0);
      const add = s.ok(await s.run(['access:add', MEMBER, '-a', APP, '--permissions', 'deploy']));
      expect(add.stderr).toContain(`Adding ${MEMBER} access to the app ${APP} with deploy, view permissions... done`);
      const access = lines(s.ok(await s.run(['access', '-a', APP])).stdout);
      expect(access).toEqual(expect.arrayContaining([`${MEMBER} member deploy, view`, `${s.server().adminEmail} admin deploy, manage, operate, view`]));
      s.ok(await asMember(['config:set', 'COMPAT_TEAM=1', '-a', APP]));

      s.ok(await s.run(['access:update', MEMBER, '-a', APP, '--permissions', 'operate']));
      expect(lines(s.ok(await s.run(['access', '-a', APP])).stdout)).toContain(`${MEMBER} member operate, view`);
      expect((await asMember(['config:set', 'COMPAT_TEAM=2', '-a', APP])).code).not.toBe(0);

      s.ok(await s.run(['access:remove', MEMBER, '-a', APP]));
      expect(s.ok(await s.run(['access', '-a', APP])).stdout).not.toContain(MEMBER);
    });

    it('access:add on a personal app makes a collaborator; access:remove takes it back', async () => {
      s.ok(await s.run(['access:add', MEMBER, '-a', s.app]));
      expect(lines(s.ok(await s.run(['access', '-a', s.app])).stdout)).toEqual(expect.arrayContaining([`${MEMBER} collaborator`, `${s.server().adminEmail} owner`]));
      expect(s.ok(await asMember(['apps:info', '-a', s.app])).stdout).toContain(s.app);
      s.ok(await s.run(['access:remove', MEMBER, '-a', s.app]));
      expect((await asMember(['apps:info', '-a', s.app])).code).not.toBe(0);
    });

    it('apps:transfer moves a personal app into the team; apps --team lists it', async () => {
      const app = `${APP}-moved`;
      expect((await api('POST', '/apps', { name: app })).status).toBe(201);
      const moved = s.ok(await s.run(['apps:transfer', TEAM, '-a', app]));
      expect(moved.stderr).toContain(`Transferring ${app} to ${TEAM}... done`);
      expect(s.ok(await s.run(['apps', '--team', TEAM])).stdout).toContain(app);
      expect((await api('GET', `/apps/${app}`)).body.team).toMatchObject({ name: TEAM });
      for (const name of [app, APP]) expect((await api('DELETE', `/apps/${name}`)).status).toBe(200);
    });
  });
}
