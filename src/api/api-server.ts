// The control-plane HTTP server: Fastify with Heroku's error bodies, auth, and the route modules.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { isBerthError } from '../domain/errors.js';
import { newId } from '../platform/ids.js';
import { showPaths } from '../platform/server-paths.js';
import type { ApiContext } from './api-context.js';
import { registerAuthentication } from './authentication.js';
import { parseJsonBody } from './json-body.js';
import { ERROR_HTTP, type ErrorBody } from './error-mapping.js';
import { registerAccountRoutes } from './routes/account-routes.js';
import { registerAppRoutes } from './routes/app-routes.js';
import { registerAuditRoutes } from './routes/audit-routes.js';
import { registerBuildpackRegistryRoutes } from './routes/buildpack-registry-routes.js';
import { registerCollaboratorRoutes } from './routes/collaborator-routes.js';
import { registerConfigVarRoutes } from './routes/config-var-routes.js';
import { registerFeatureRoutes } from './routes/feature-routes.js';
import { registerFormationRoutes } from './routes/formation-routes.js';
import { registerRegionRoutes } from './routes/region-routes.js';
import { registerReleaseRoutes } from './routes/release-routes.js';
import { registerTeamRoutes } from './routes/team-routes.js';
import { registerUserRoutes } from './routes/user-routes.js';

export const JSON_BODY_LIMIT = 1024 * 1024;

export interface ApiExtension {
  (app: FastifyInstance, ctx: ApiContext): void;
}

/** One endpoint of the API as registered: what the authorization matrix test enumerates. */
export interface ApiRoute {
  method: string;
  url: string;
  /** Served without a token (capability URLs, health, git's own basic auth). */
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every endpoint registered so far (HEAD twins of GET routes left out). */
    routeTable(): ApiRoute[];
  }
}

export function buildApi(ctx: ApiContext, extensions: ApiExtension[] = []): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: JSON_BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    genReqId: () => newId(),
  });

  // Only JSON objects: Fastify's default text/plain parser would hand routes a bare string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  app.addHook('onSend', async (req, reply) => {
    reply.header('Request-Id', req.id);
  });

  // Messages reach tenants: catalogue errors are ours but may quote a tool's error, so server
  // paths are taken out; anything else is a generic message plus the request id the log keys on.
  const hidePaths = ctx.hidePaths ?? showPaths;
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isBerthError(err)) {
      const { status, id } = ERROR_HTTP[err.code];
      const body: ErrorBody = { id, message: hidePaths(err.message), ...(err.resource ? { resource: err.resource } : {}) };
      return reply.status(status).send(body);
    }
    const status = err.statusCode ?? 500;
    if (status === 413) return reply.status(413).send({ id: 'request_entity_too_large', message: `Request body is larger than ${JSON_BODY_LIMIT} bytes.` });
    if (status === 415) return reply.status(415).send({ id: 'unsupported_media_type', message: 'Send request bodies as application/json.' });
    if (status >= 400 && status < 500) return reply.status(status).send({ id: 'bad_request', message: hidePaths(err.message) });
    ctx.logger.error('api-error', { requestId: req.id, method: req.method, url: req.url, error: err.stack ?? String(err) });
    return reply.status(500).send({ id: 'internal_server_error', message: `Internal server error (request id ${req.id}); the operator's log has the details.` });
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ id: 'not_found', message: `No such endpoint: ${req.method} ${req.url.split('?')[0]}` });
  });

  // The route table is collected as routes register, so a new endpoint cannot be missed by the
  // authorization matrix (src/api/authorization-matrix-api.test.ts fails on a route it has no entry for).
  const routes: ApiRoute[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url, public: !!r.config?.public });
  });
  app.decorate('routeTable', () => [...routes]);

  registerAuthentication(app, ctx);
  app.get('/health', { config: { public: true } }, async () => ({ status: 'ok' }));
  for (const register of [registerAccountRoutes, registerUserRoutes, registerAppRoutes, registerConfigVarRoutes, registerReleaseRoutes, registerFormationRoutes,
    registerFeatureRoutes, registerRegionRoutes, registerBuildpackRegistryRoutes, registerAuditRoutes, registerTeamRoutes, registerCollaboratorRoutes, ...extensions]) {
    register(app, ctx);
  }
  return app;
}
