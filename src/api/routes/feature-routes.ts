// /account/features and /apps/{app}/features: Heroku's feature flags ("labs"). Berth has none to
// toggle (everything it does is on for every app), so the lists are empty and naming a feature is
// "not found"; `heroku labs` and `heroku features` then print their empty tables instead of failing.
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import { getApp } from '../../services/apps.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

const noSuchFeature = (name: string) => new BerthError('not_found', `Couldn't find that feature: ${name}.`, 'feature');

export function registerFeatureRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/account/features', async () => []);
  app.get<{ Params: { feature: string } }>('/account/features/:feature', async (req) => { throw noSuchFeature(req.params.feature); });
  app.patch<{ Params: { feature: string } }>('/account/features/:feature', async (req) => { throw noSuchFeature(req.params.feature); });

  app.get<{ Params: { app: string } }>('/apps/:app/features', async (req) => {
    await getApp(ctx, actorOf(req), req.params.app);
    return [];
  });
  for (const method of ['get', 'patch'] as const) {
    app[method]<{ Params: { app: string; feature: string } }>('/apps/:app/features/:feature', async (req) => {
      await getApp(ctx, actorOf(req), req.params.app);
      throw noSuchFeature(req.params.feature);
    });
  }
}
