// /apps/{app}/dynos: instances with their states, and restarts (DELETE), as on Heroku.
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import type { App } from '../../domain/types.js';
import { listDynos, restartDynos, type DynoView } from '../../services/dynos.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

const dynoJson = (d: DynoView, app: Pick<App, 'id' | 'name'>) => ({
  id: d.id,
  name: d.name,
  type: d.type,
  state: d.state,
  command: d.command,
  size: d.size,
  release: { id: d.releaseId, version: d.releaseVersion },
  app: { id: app.id, name: app.name },
  attach_url: null,
  created_at: d.startedAt,
  updated_at: d.startedAt,
  // Berth's field beside Heroku's (which has no machines): the swarm node it runs on.
  ...(d.node ? { node: { id: d.node.id, name: d.node.name } } : {}),
});

export function registerDynoRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { app: string } }>('/apps/:app/dynos', async (req) => {
    const { app: a, dynos } = await listDynos(ctx, actorOf(req), req.params.app);
    return dynos.map((d) => dynoJson(d, a));
  });

  app.get<{ Params: { app: string; dyno: string } }>('/apps/:app/dynos/:dyno', async (req) => {
    const { app: a, dynos } = await listDynos(ctx, actorOf(req), req.params.app);
    const d = dynos.find((x) => x.name === req.params.dyno || x.id === req.params.dyno);
    if (!d) throw new BerthError('dyno_not_found', `Couldn't find the dyno ${req.params.dyno}.`, 'dyno');
    return dynoJson(d, a);
  });

  app.delete<{ Params: { app: string } }>('/apps/:app/dynos', async (req, reply) => {
    await restartDynos(ctx, actorOf(req), req.params.app);
    return reply.status(202).send({});
  });

  // `heroku ps:restart -p web` restarts every instance of a process type.
  app.delete<{ Params: { app: string; type: string } }>('/apps/:app/formations/:type', async (req, reply) => {
    await restartDynos(ctx, actorOf(req), req.params.app, req.params.type);
    return reply.status(202).send({});
  });

  app.delete<{ Params: { app: string; dyno: string } }>('/apps/:app/dynos/:dyno', async (req, reply) => {
    await restartDynos(ctx, actorOf(req), req.params.app, req.params.dyno);
    return reply.status(202).send({});
  });

  // `heroku ps:stop web.1` / `ps:stop --process-type web`. Formation dynos are brought back at once
  // (as on Heroku, where only ps:scale stops them for good), so a stop is a restart.
  app.post<{ Params: { app: string; dyno: string } }>('/apps/:app/dynos/:dyno/actions/stop', async (req, reply) => {
    await restartDynos(ctx, actorOf(req), req.params.app, req.params.dyno);
    return reply.status(202).send({});
  });

  app.post<{ Params: { app: string; type: string } }>('/apps/:app/formations/:type/actions/stop', async (req, reply) => {
    await restartDynos(ctx, actorOf(req), req.params.app, req.params.type);
    return reply.status(202).send({});
  });
}
