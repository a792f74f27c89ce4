// Log sessions: POST returns a logplex_url; GET on it streams the app's lines (text or SSE).
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import { createLogSessionStream, DEFAULT_LOG_LINES } from '../../logs/log-session.js';
import type { LogSessions } from '../../logs/log-session-registry.js';
import { LOG_SOURCES, type LogReader, type LogSource } from '../../logs/log-sink.js';
import { LINES_KEPT_PER_APP } from '../../logs/log-hub.js';
import { wantsEventStream, writeLogStreamToResponse } from '../../logs/log-stream-response.js';
import { getApp } from '../../services/apps.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

type SessionBody = { tail?: unknown; lines?: unknown; source?: unknown; dyno?: unknown } | undefined;

export function logRoutes(d: { hub: LogReader; sessions: LogSessions; signal: AbortSignal }) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    app.post<{ Params: { app: string }; Body: SessionBody }>('/apps/:app/log-sessions', async (req, reply) => {
      const target = await getApp(ctx, actorOf(req), req.params.app);
      const body = req.body ?? {};
      const lines = body.lines === undefined ? DEFAULT_LOG_LINES : Number(body.lines);
      if (!Number.isInteger(lines) || lines < 0) throw new BerthError('invalid_params', 'lines must be a whole number.', 'log_session');
      if (body.source !== undefined && body.source !== null && !(LOG_SOURCES as readonly string[]).includes(String(body.source))) {
        throw new BerthError('invalid_params', `source must be one of ${LOG_SOURCES.join(', ')}.`, 'log_session');
      }
      if (body.dyno !== undefined && body.dyno !== null && !/^[A-Za-z0-9_.-]{1,40}$/.test(String(body.dyno))) {
        throw new BerthError('invalid_params', 'dyno must look like web or web.1.', 'log_session');
      }
      const session = d.sessions.create({
        appId: target.id, tail: body.tail === true, lines: Math.min(lines, LINES_KEPT_PER_APP),
        source: (body.source ?? undefined) as LogSource | undefined, dyno: (body.dyno ?? undefined) as string | undefined,
      });
      const now = new Date().toISOString();
      return reply.status(201).send({ id: session.id, logplex_url: `${ctx.urls.api}/log-sessions/${session.id}`, created_at: now, updated_at: now });
    });

    app.get<{ Params: { id: string } }>('/log-sessions/:id', { config: { public: true } }, async (req, reply) => {
      const session = d.sessions.get(req.params.id);
      if (!session) return reply.status(404).send({ id: 'not_found', message: 'That log session does not exist or has expired.' });
      const abort = new AbortController();
      const onServerStop = () => abort.abort();
      d.signal.addEventListener('abort', onServerStop, { once: true });
      req.raw.on('close', () => abort.abort());
      reply.hijack();
      try {
        const stream = createLogSessionStream({ hub: d.hub, ...session, signal: abort.signal });
        await writeLogStreamToResponse(stream, reply.raw, { sse: wantsEventStream(req.headers) });
      } finally {
        d.signal.removeEventListener('abort', onServerStop);
      }
    });
  };
}
