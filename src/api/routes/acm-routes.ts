// /apps/{app}/acm: automatic certificates as the heroku CLI drives them (POST enables, DELETE
// disables, PATCH {"acm_refresh": true} tries failed domains again), plus GET, Berth's own, with
// each domain's `acm_status` and `acm_status_reason` (Heroku shows these on its domains).
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import { type AcmeView, type CertsAutoDeps, acmeStatus, disableAcme, enableAcme, refreshAcme } from '../../services/certs-auto.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

export function acmRoutes(d: Pick<CertsAutoDeps, 'automatic' | 'domains'>) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    const deps: CertsAutoDeps = { ...ctx, ...d };
    app.get<{ Params: { app: string } }>('/apps/:app/acm', async (req) => acmJson(await acmeStatus(deps, actorOf(req), req.params.app)));
    app.post<{ Params: { app: string } }>('/apps/:app/acm', async (req) => acmJson(await enableAcme(deps, actorOf(req), req.params.app)));
    app.delete<{ Params: { app: string } }>('/apps/:app/acm', async (req) => acmJson(await disableAcme(deps, actorOf(req), req.params.app)));
    app.patch<{ Params: { app: string }; Body: Record<string, unknown> | undefined }>('/apps/:app/acm', async (req) => {
      if (req.body?.acm_refresh !== true) throw new BerthError('invalid_params', 'The only change is {"acm_refresh": true}.', 'acm');
      return acmJson(await refreshAcme(deps, actorOf(req), req.params.app));
    });
  };
}

/** Heroku answers these with the app; its `acm` field is what certs:auto reads. */
function acmJson(v: AcmeView) {
  return {
    id: v.app.id, name: v.app.name, acm: v.enabled,
    domains: v.hostnames.map((h) => ({ hostname: h.hostname, kind: 'custom', acm_status: h.status, acm_status_reason: h.reason, updated_at: h.updatedAt })),
  };
}
