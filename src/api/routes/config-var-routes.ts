// /apps/{app}/config-vars: read, and PATCH (null unsets) which makes a new release.
import type { FastifyInstance } from 'fastify';
import { getConfigVars, updateConfigVars } from '../../services/config-vars.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

export function registerConfigVarRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { app: string } }>('/apps/:app/config-vars', async (req) => getConfigVars(ctx, actorOf(req), req.params.app));

  app.patch<{ Params: { app: string }; Body: unknown }>('/apps/:app/config-vars', async (req) =>
    updateConfigVars(ctx, actorOf(req), req.params.app, req.body));
}
