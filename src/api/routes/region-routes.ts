// GET /regions: a Berth installation is one region (`local`), which `heroku regions` lists and
// apps report as their region.
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import type { ApiContext } from '../api-context.js';
import { regionJson } from '../serializers.js';

export function registerRegionRoutes(app: FastifyInstance, _ctx: ApiContext): void {
  app.get('/regions', async () => [regionJson()]);
  app.get<{ Params: { region: string } }>('/regions/:region', async (req) => {
    const region = regionJson();
    if (req.params.region !== region.name && req.params.region !== region.id) {
      throw new BerthError('not_found', `Couldn't find the region ${req.params.region}. Berth has one: ${region.name}.`, 'region');
    }
    return region;
  });
}
