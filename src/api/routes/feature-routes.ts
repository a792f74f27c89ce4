// /account/features and /apps/{app}/features: Heroku's feature flags. Accounts have none to toggle
// (the lists are empty, so `heroku labs` prints an empty table); apps have the edge features
// `http-redirect` and `hsts` (services/app-features.ts), which `features:enable` switches.
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import { appFeatureInfo, listAppFeatures, setAppFeature, type AppFeatureState } from '../../services/app-features.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

const noSuchFeature = (name: string) => new BerthError('not_found', `Couldn't find that feature: ${name}.`, 'feature');

/** Heroku's app-feature shape; ids are the names (they are stable and unique). */
const featureJson = (f: AppFeatureState) => ({
  id: f.name, name: f.name, display_name: f.name, description: f.description, doc_url: '', enabled: f.enabled, state: 'general', feedback_email: '',
});

export function registerFeatureRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/account/features', async () => []);
  app.get<{ Params: { feature: string } }>('/account/features/:feature', async (req) => { throw noSuchFeature(req.params.feature); });
  app.patch<{ Params: { feature: string } }>('/account/features/:feature', async (req) => { throw noSuchFeature(req.params.feature); });

  type One = { Params: { app: string; feature: string } };
  app.get<{ Params: { app: string } }>('/apps/:app/features', async (req) => (await listAppFeatures(ctx, actorOf(req), req.params.app)).features.map(featureJson));
  app.get<One>('/apps/:app/features/:feature', async (req) => featureJson((await appFeatureInfo(ctx, actorOf(req), req.params.app, req.params.feature)).feature));
  app.patch<One & { Body: { enabled?: unknown } | undefined }>('/apps/:app/features/:feature', async (req) =>
    featureJson((await setAppFeature(ctx, actorOf(req), req.params.app, req.params.feature, req.body?.enabled)).feature));
}
