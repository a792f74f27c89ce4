// `GET /metrics`: the Prometheus exposition (src/metrics/prometheus-exposition.ts), for the scrape
// token (`Authorization: Bearer`) or an admin's API token; anyone else gets 401 (no or unknown
// credentials) or 403 (a user who is not the admin). `GET /metrics/token`: the scrape token, admin only.
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import { isScrapeToken } from '../../metrics/scrape-token.js';
import { authenticate } from '../../services/accounts.js';
import type { ApiContext } from '../api-context.js';
import { actorOf, readCredentials } from '../authentication.js';

export interface PrometheusRoutesDeps {
  exposition: { contentType: string; text(): Promise<string> };
  scrapeToken: string;
}

const ADMIN_ONLY = 'Only the Berth admin (or a Prometheus server with the scrape token, `berth metrics:token`) may read metrics.';

export function prometheusRoutes(d: PrometheusRoutesDeps) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    // Public to the tenant-token check: the scrape token is not an API token, so this route checks both itself.
    app.get('/metrics', { config: { public: true } }, async (req, reply) => {
      const creds = readCredentials(req.headers.authorization);
      if (!creds) throw new BerthError('unauthorized', 'Invalid credentials provided.');
      if (!(creds.kind === 'bearer' && isScrapeToken(d.scrapeToken, creds.secret))) {
        const { user } = await authenticate(ctx, creds.secret);
        if (!user.isAdmin) throw new BerthError('forbidden', ADMIN_ONLY);
      }
      return reply.header('Content-Type', d.exposition.contentType).header('Cache-Control', 'no-store').send(await d.exposition.text());
    });

    app.get('/metrics/token', async (req) => {
      if (!actorOf(req).isAdmin) throw new BerthError('forbidden', 'Only the Berth admin may read the metrics scrape token.');
      return { token: d.scrapeToken, path: '/metrics' };
    });
  };
}
