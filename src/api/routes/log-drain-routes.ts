// Heroku's /apps/{app}/log-drains: list (view), add with {"url"} (manage), show or remove one by
// id, URL or token (Heroku's log-drain identity; the CLI sends the URL percent-encoded).
import type { FastifyInstance } from 'fastify';
import type { LogDrain } from '../../domain/log-drains.js';
import type { App } from '../../domain/types.js';
import { addLogDrain, findLogDrain, listLogDrains, removeLogDrain } from '../../services/log-drains.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

export function logDrainRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { app: string } }>('/apps/:app/log-drains', async (req) => {
    const { app: a, drains } = await listLogDrains(ctx, actorOf(req), req.params.app);
    return drains.map((d) => logDrainJson(a, d));
  });

  app.post<{ Params: { app: string }; Body: Record<string, unknown> | undefined }>('/apps/:app/log-drains', async (req, reply) => {
    const { app: a, drain } = await addLogDrain(ctx, actorOf(req), req.params.app, req.body?.url);
    return reply.status(201).send(logDrainJson(a, drain));
  });

  app.get<{ Params: { app: string; drain: string } }>('/apps/:app/log-drains/:drain', async (req) => {
    const { app: a, drain } = await findLogDrain(ctx, actorOf(req), req.params.app, req.params.drain);
    return logDrainJson(a, drain);
  });

  app.delete<{ Params: { app: string; drain: string } }>('/apps/:app/log-drains/:drain', async (req) => {
    const { app: a, drain } = await removeLogDrain(ctx, actorOf(req), req.params.app, req.params.drain);
    return logDrainJson(a, drain);
  });
}

/** Heroku's log-drain; `addon` is always null, since no Berth add-on makes drains. */
export function logDrainJson(app: App, d: LogDrain) {
  return {
    id: d.id, url: d.url, token: d.token, addon: null, app: { id: app.id, name: app.name },
    created_at: d.createdAt, updated_at: d.updatedAt,
  };
}
