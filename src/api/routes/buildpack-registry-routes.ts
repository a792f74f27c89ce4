// GET /buildpacks/{namespace}/{name}: the one question the heroku CLI asks Heroku's buildpack
// registry. `heroku buildpacks:set heroku/nodejs` looks the name up there (at
// HEROKU_BUILDPACK_REGISTRY_URL) and stores the answer's blob_url on the app. Berth answers for the
// Heroku names it builds with its own buildpacks, with the name itself as blob_url, so the app
// stores `heroku/nodejs` exactly as `berth buildpacks:set heroku/nodejs` would. Public, as Heroku's
// registry is: it reveals only which built-in names exist.
import type { FastifyInstance } from 'fastify';
import { herokuBuildpackNames } from '../../build/detect.js';
import { BerthError } from '../../domain/errors.js';
import type { ApiContext } from '../api-context.js';

function registryEntry(slug: string) {
  if (!herokuBuildpackNames().includes(slug)) {
    throw new BerthError('not_found', `${slug} is not a buildpack Berth provides. Use an https git URL for other buildpacks.`, 'buildpack');
  }
  const [namespace, name] = slug.split('/');
  return { id: slug, namespace, name, blob_url: slug, description: `Berth's built-in ${name} buildpack` };
}

export function registerBuildpackRegistryRoutes(app: FastifyInstance, _ctx: ApiContext): void {
  // The CLI sends the slug URL-encoded (`heroku%2Fnodejs`); a plain `heroku/nodejs` is two segments.
  app.get<{ Params: { slug: string } }>('/buildpacks/:slug', { config: { public: true } }, async (req) => registryEntry(req.params.slug));
  app.get<{ Params: { namespace: string; name: string } }>('/buildpacks/:namespace/:name', { config: { public: true } }, async (req) =>
    registryEntry(`${req.params.namespace}/${req.params.name}`));
}
