// /teams (Heroku's shapes): teams, their members, their apps, creating a team app and moving an app
// between a user and a team (apps:transfer). Every decision is in services/teams.ts and app-transfer.ts.
import type { FastifyInstance } from 'fastify';
import { APP_PERMISSIONS } from '../../domain/app-permissions.js';
import type { App } from '../../domain/types.js';
import { transferApp } from '../../services/app-transfer.js';
import { createApp, getApp } from '../../services/apps.js';
import {
  createTeam, deleteTeam, getTeam, listMembers, listTeamApps, listTeams, removeMember, renameTeam, setMember,
} from '../../services/teams.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { appJson } from '../serializers.js';
import { permissionJson, teamJson, teamMemberJson } from '../team-serializers.js';

type TeamParams = { Params: { team: string } };
type MemberBody = { Body: { email?: unknown; user?: unknown; role?: unknown } | undefined };

/** Team features the heroku CLI asks about: `org-access-controls` makes `access:add` send permissions. */
const TEAM_FEATURES = [{ id: 'org-access-controls', name: 'org-access-controls', enabled: true, description: 'Per-app permissions for team members.' }];

export function registerTeamRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const render = async (a: App) => appJson(a, await ctx.store.users.byId(a.ownerId), ctx.urls, undefined, a.teamId ? await ctx.store.teams.byId(a.teamId) : undefined);

  app.get('/teams', async (req) => (await listTeams(ctx, actorOf(req))).map((v) => teamJson(v.team, v.role)));
  app.post<{ Body: { name?: unknown } | undefined }>('/teams', async (req, reply) => {
    const v = await createTeam(ctx, actorOf(req), { name: req.body?.name });
    return reply.status(201).send(teamJson(v.team, v.role));
  });
  // Everything a team admin holds on the team's apps (`heroku access` lists admins with these).
  app.get('/teams/permissions', async () => APP_PERMISSIONS.map(permissionJson));

  app.get<TeamParams>('/teams/:team', async (req) => {
    const v = await getTeam(ctx, actorOf(req), req.params.team);
    return teamJson(v.team, v.role);
  });
  app.patch<TeamParams & { Body: { name?: unknown } | undefined }>('/teams/:team', async (req) => {
    const v = await renameTeam(ctx, actorOf(req), req.params.team, { name: req.body?.name });
    return teamJson(v.team, v.role);
  });
  app.delete<TeamParams>('/teams/:team', async (req) => {
    const v = await deleteTeam(ctx, actorOf(req), req.params.team);
    return teamJson(v.team, v.role);
  });
  app.get<TeamParams>('/teams/:team/features', async (req) => {
    await getTeam(ctx, actorOf(req), req.params.team);
    return TEAM_FEATURES;
  });

  app.get<TeamParams>('/teams/:team/members', async (req) => {
    const { members } = await listMembers(ctx, actorOf(req), req.params.team);
    return members.map((m) => teamMemberJson(m.member, m.user));
  });
  // Heroku: PUT adds or updates a member, PATCH updates one (`members:add`, `members:set`).
  app.put<TeamParams & MemberBody>('/teams/:team/members', async (req) => {
    const m = await setMember(ctx, actorOf(req), req.params.team, req.body ?? {}, 'add-or-set');
    return teamMemberJson(m.member, m.user);
  });
  app.patch<TeamParams & MemberBody>('/teams/:team/members', async (req) => {
    const m = await setMember(ctx, actorOf(req), req.params.team, req.body ?? {}, 'set');
    return teamMemberJson(m.member, m.user);
  });
  app.delete<{ Params: { team: string; member: string } }>('/teams/:team/members/:member', async (req) => {
    const m = await removeMember(ctx, actorOf(req), req.params.team, req.params.member);
    return teamMemberJson(m.member, m.user);
  });

  app.get<TeamParams>('/teams/:team/apps', async (req) => {
    const { apps } = await listTeamApps(ctx, actorOf(req), req.params.team);
    return Promise.all(apps.map(render));
  });
  // Heroku's team app creation; `POST /apps` with `team` does the same.
  app.post<{ Body: { name?: unknown; team?: unknown; stack?: unknown } | undefined }>('/teams/apps', async (req, reply) => {
    const created = await createApp(ctx, actorOf(req), { name: req.body?.name, stack: req.body?.stack, team: req.body?.team ?? null });
    return reply.status(201).send(await render(created));
  });
  app.get<{ Params: { app: string } }>('/teams/apps/:app', async (req) => render(await getApp(ctx, actorOf(req), req.params.app)));
  // Heroku's personal-to-personal transfer (`heroku apps:transfer EMAIL` of a personal app): Berth
  // moves the app at once, so the request comes back accepted, not pending.
  app.post<{ Body: { app?: unknown; recipient?: unknown } | undefined }>('/account/app-transfers', async (req, reply) => {
    const moved = await transferApp(ctx, actorOf(req), String(req.body?.app ?? ''), { owner: req.body?.recipient });
    const owner = await ctx.store.users.byId(moved.ownerId);
    return reply.status(201).send({
      id: moved.id, app: { id: moved.id, name: moved.name }, state: 'accepted',
      owner: owner ? { id: owner.id, email: owner.email } : null, recipient: owner ? { id: owner.id, email: owner.email } : null,
      created_at: moved.updatedAt, updated_at: moved.updatedAt,
    });
  });
  // apps:transfer: `{"owner": "<team>"}` or `{"owner": "<email>"}`.
  app.patch<{ Params: { app: string }; Body: { owner?: unknown } | undefined }>('/teams/apps/:app', async (req) =>
    render(await transferApp(ctx, actorOf(req), req.params.app, { owner: req.body?.owner })));
}
