// /account and /oauth/authorizations: who am I, log in, list and revoke tokens.
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import { issueToken, listTokens, login, revokeToken } from '../../services/accounts.js';
import type { ApiContext } from '../api-context.js';
import { actorOf, readCredentials } from '../authentication.js';
import { accountJson, authorizationJson } from '../serializers.js';

type Body = { description?: unknown } | undefined;

export function registerAccountRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/account', async (req) => accountJson(actorOf(req)));

  app.post<{ Body: Body }>('/oauth/authorizations', { config: { passwordLogin: true } }, async (req, reply) => {
    const description = typeof req.body?.description === 'string' ? req.body.description : 'API token';
    if (req.auth) {
      // Already holding a token: mint another for the same user (Heroku's `authorizations:create`).
      const { token, secret } = await issueToken(ctx, actorOf(req), description);
      return reply.status(201).send(authorizationJson(token, req.auth.user, { secret }));
    }
    const creds = readCredentials(req.headers.authorization);
    if (!creds || creds.kind !== 'basic' || !creds.user) throw new BerthError('unauthorized', 'Invalid credentials provided.');
    const { user, token, secret } = await login(ctx, creds.user, creds.secret, description, { address: req.ip, tokenId: null });
    return reply.status(201).send(authorizationJson(token, user, { secret }));
  });

  app.get('/oauth/authorizations', async (req) => {
    const actor = actorOf(req);
    const tokens = await listTokens(ctx, actor);
    return tokens.map((t) => authorizationJson(t, actor, { current: t.id === req.auth?.token.id }));
  });

  app.get<{ Params: { id: string } }>('/oauth/authorizations/:id', async (req) => {
    const actor = actorOf(req);
    const token = (await listTokens(ctx, actor)).find((t) => t.id === req.params.id);
    if (!token) throw new BerthError('not_found', "Couldn't find that authorization.", 'oauth_authorization');
    return authorizationJson(token, actor, { current: token.id === req.auth?.token.id });
  });

  app.delete<{ Params: { id: string } }>('/oauth/authorizations/:id', async (req) => {
    const actor = actorOf(req);
    return authorizationJson(await revokeToken(ctx, actor, req.params.id), actor);
  });
}
