// /apps/{app}/formation: process types with quantity and size; batch and single updates.
import type { FastifyInstance } from 'fastify';
import { getFormation, listFormation, updateFormation } from '../../services/formation.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { formationJson } from '../serializers.js';

type One = { quantity?: unknown; size?: unknown } | undefined;

export function registerFormationRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { app: string } }>('/apps/:app/formation', async (req) => {
    const { app: a, formation } = await listFormation(ctx, actorOf(req), req.params.app);
    return formation.map((f) => formationJson(f, a));
  });

  app.patch<{ Params: { app: string }; Body: { updates?: unknown } | undefined }>('/apps/:app/formation', async (req) => {
    const { app: a, formation } = await updateFormation(ctx, actorOf(req), req.params.app, req.body?.updates);
    return formation.map((f) => formationJson(f, a));
  });

  app.get<{ Params: { app: string; type: string } }>('/apps/:app/formation/:type', async (req) => {
    const { app: a, formation } = await getFormation(ctx, actorOf(req), req.params.app, req.params.type);
    return formationJson(formation, a);
  });

  app.patch<{ Params: { app: string; type: string }; Body: One }>('/apps/:app/formation/:type', async (req) => {
    const update = { type: req.params.type, quantity: req.body?.quantity, size: req.body?.size };
    const { app: a, formation } = await updateFormation(ctx, actorOf(req), req.params.app, [update]);
    return formationJson(formation[0]!, a);
  });
}
