// GET /internal/acme-challenges/{token}?host=…: what a router answers the ACME CA on
// `http://<host>/.well-known/acme-challenge/<token>` while an order of this API process is under way.
// Internal token only; 404 for a token it has not issued for that host.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import { INTERNAL_TOKEN_HEADER } from '../../domain/internal-protocol.js';
import { isInternalToken } from '../../platform/internal-token.js';
import type { AcmeChallenges } from '../../services/acme-challenges.js';

export function acmeChallengeRoutes(d: { token: string; challenges: Pick<AcmeChallenges, 'answer'> }) {
  const requireToken = async (req: FastifyRequest) => {
    if (!isInternalToken(d.token, req.headers[INTERNAL_TOKEN_HEADER])) throw new BerthError('unauthorized', 'This endpoint is for Berth\'s own processes.');
  };
  return (app: FastifyInstance): void => {
    app.get<{ Params: { token: string }; Querystring: { host?: string } }>('/internal/acme-challenges/:token', { config: { public: true }, onRequest: requireToken }, async (req, reply) => {
      const answer = d.challenges.answer(req.query.host ?? '', req.params.token);
      if (answer === undefined) throw new BerthError('not_found', 'No ACME challenge is pending for that token and host.');
      return reply.type('text/plain').send(answer);
    });
  };
}
