// Who has access to an app: Heroku's /apps/{app}/collaborators (personal apps; the heroku CLI's
// `access`, `access:add`, `access:remove`) and /teams/apps/{app}/collaborators (team apps, with
// permissions; `access:add --permissions`, `access:update`). services/collaborators.ts decides.
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import { listCollaborators, removeCollaborator, setCollaborator } from '../../services/collaborators.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { accessEntryJson } from '../team-serializers.js';

type AppParams = { Params: { app: string } };
type OneParams = { Params: { app: string; collaborator: string } };
type Body = { Body: { user?: unknown; permissions?: unknown; silent?: unknown } | undefined };

export function registerCollaboratorRoutes(app: FastifyInstance, ctx: ApiContext): void {
  for (const base of ['/apps/:app/collaborators', '/teams/apps/:app/collaborators']) {
    app.get<AppParams>(base, async (req) => {
      const { app: a, entries } = await listCollaborators(ctx, actorOf(req), req.params.app);
      return entries.map((e) => accessEntryJson(a, e));
    });
    app.get<OneParams>(`${base}/:collaborator`, async (req) => {
      const { app: a, entries } = await listCollaborators(ctx, actorOf(req), req.params.app);
      const ref = req.params.collaborator.toLowerCase();
      const e = entries.find((x) => x.user.email === ref || x.user.id === ref);
      if (!e) throw new BerthError('not_found', `${req.params.collaborator} is not a collaborator on ${a.name}.`, 'collaborator');
      return accessEntryJson(a, e);
    });
    app.post<AppParams & Body>(base, async (req, reply) => {
      const { app: a, entry } = await setCollaborator(ctx, actorOf(req), req.params.app, req.body ?? {}, 'add');
      return reply.status(201).send(accessEntryJson(a, entry));
    });
    app.patch<OneParams & Body>(`${base}/:collaborator`, async (req) => {
      const { app: a, entry } = await setCollaborator(ctx, actorOf(req), req.params.app, { user: req.params.collaborator, permissions: req.body?.permissions }, 'update');
      return accessEntryJson(a, entry);
    });
    app.delete<OneParams>(`${base}/:collaborator`, async (req) => {
      const { app: a, entry } = await removeCollaborator(ctx, actorOf(req), req.params.app, req.params.collaborator);
      return accessEntryJson(a, entry);
    });
  }
}
