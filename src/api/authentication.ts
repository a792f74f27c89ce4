// Who is calling: `Authorization: Bearer <token>`, or HTTP basic with the token as password
// (what git and netrc send). Routes marked public skip it; the rest answer 401 without it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BerthError } from '../domain/errors.js';
import type { Actor } from '../domain/types.js';
import { authenticate, type Authenticated } from '../services/accounts.js';
import type { ApiContext } from './api-context.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth?: Authenticated;
  }
  interface FastifyContextConfig {
    /** No credentials needed (health, log session streams). */
    public?: boolean;
    /** Basic auth may carry email + password instead of a token (login). */
    passwordLogin?: boolean;
  }
}

export interface Credentials {
  kind: 'bearer' | 'basic';
  user?: string;
  secret: string;
}

export function readCredentials(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer' && value) return { kind: 'bearer', secret: value };
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return { kind: 'basic', user: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  return undefined;
}

export function registerAuthentication(app: FastifyInstance, ctx: ApiContext): void {
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.public) return;
    const creds = readCredentials(req.headers.authorization);
    if (!creds) throw new BerthError('unauthorized', 'Invalid credentials provided.');
    try {
      req.auth = await authenticate(ctx, creds.secret);
    } catch (e) {
      // A login with email + password is checked by its route, not here.
      if (!(creds.kind === 'basic' && req.routeOptions.config?.passwordLogin)) throw e;
    }
  });
}

/**
 * The authenticated user of a route that is not public, carrying where the request came from (its
 * address and token id) for the audit trail: services take it as their `actor` and record it.
 */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.auth) throw new BerthError('unauthorized', 'Invalid credentials provided.');
  return actingThrough(req.auth, req.ip);
}

/** A user as they act through one request: from this address, with this token. */
export function actingThrough(auth: Authenticated, address: string): Actor {
  return { ...auth.user, origin: { address, tokenId: auth.token.id } };
}
