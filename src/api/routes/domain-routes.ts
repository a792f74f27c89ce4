// Heroku's /apps/{app}/domains (`domains`, `domains:add`, `domains:info`, `domains:update`,
// `domains:remove`, `domains:clear`, `domains:wait`). services/app-domains.ts decides.
import type { FastifyInstance } from 'fastify';
import { addDomain, domainInfo, listDomains, removeDomain, updateDomain, type DomainsDeps } from '../../services/app-domains.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { domainJson } from '../edge-serializers.js';

type AppParams = { Params: { app: string } };
type OneParams = { Params: { app: string; domain: string } };
type Body = { Body: { hostname?: unknown; sni_endpoint?: unknown } | undefined };

export function domainRoutes(o: { baseDomain: string }) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    const deps: DomainsDeps = { ...ctx, baseDomain: o.baseDomain };
    app.get<AppParams>('/apps/:app/domains', async (req) => (await listDomains(deps, actorOf(req), req.params.app)).map((d) => domainJson(d, o.baseDomain)));
    app.get<OneParams>('/apps/:app/domains/:domain', async (req) => domainJson(await domainInfo(deps, actorOf(req), req.params.app, req.params.domain), o.baseDomain));
    app.post<AppParams & Body>('/apps/:app/domains', async (req, reply) => {
      const d = await addDomain(deps, actorOf(req), req.params.app, req.body ?? {});
      return reply.status(201).send(domainJson(d, o.baseDomain));
    });
    app.patch<OneParams & Body>('/apps/:app/domains/:domain', async (req) =>
      domainJson(await updateDomain(deps, actorOf(req), req.params.app, req.params.domain, req.body ?? {}), o.baseDomain));
    app.delete<OneParams>('/apps/:app/domains/:domain', async (req) =>
      domainJson(await removeDomain(deps, actorOf(req), req.params.app, req.params.domain), o.baseDomain));
  };
}
