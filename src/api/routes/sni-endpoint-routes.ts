// Heroku's /apps/{app}/sni-endpoints (`certs`, `certs:add CRT KEY`, `certs:info`, `certs:update`,
// `certs:remove`). services/sni-endpoints.ts decides; the key is sealed there and never answered.
import type { FastifyInstance } from 'fastify';
import type { KeySealer } from '../../services/certificate-install.js';
import { addSniEndpoint, listSniEndpoints, removeSniEndpoint, sniEndpointInfo, updateSniEndpoint, type SniEndpointDeps } from '../../services/sni-endpoints.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { sniEndpointJson } from '../edge-serializers.js';

type AppParams = { Params: { app: string } };
type OneParams = { Params: { app: string; endpoint: string } };
type Body = { Body: { certificate_chain?: unknown; private_key?: unknown } | undefined };

export function sniEndpointRoutes(o: { sealer: KeySealer }) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    const deps: SniEndpointDeps = { ...ctx, sealer: o.sealer };
    app.get<AppParams>('/apps/:app/sni-endpoints', async (req) => (await listSniEndpoints(deps, actorOf(req), req.params.app)).map(sniEndpointJson));
    app.get<OneParams>('/apps/:app/sni-endpoints/:endpoint', async (req) => sniEndpointJson(await sniEndpointInfo(deps, actorOf(req), req.params.app, req.params.endpoint)));
    app.post<AppParams & Body>('/apps/:app/sni-endpoints', async (req, reply) => {
      const e = await addSniEndpoint(deps, actorOf(req), req.params.app, req.body ?? {});
      return reply.status(201).send(sniEndpointJson(e));
    });
    app.patch<OneParams & Body>('/apps/:app/sni-endpoints/:endpoint', async (req) =>
      sniEndpointJson(await updateSniEndpoint(deps, actorOf(req), req.params.app, req.params.endpoint, req.body ?? {})));
    app.delete<OneParams>('/apps/:app/sni-endpoints/:endpoint', async (req) =>
      sniEndpointJson(await removeSniEndpoint(deps, actorOf(req), req.params.app, req.params.endpoint)));
  };
}
