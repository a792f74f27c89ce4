// Log sessions: POST returns a logplex_url; GET on it streams the app's lines (text or SSE).
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import { LINES_KEPT_PER_APP } from '../../logs/log-hub.js';
import { createLogSessionStream, DEFAULT_LOG_LINES } from '../../logs/log-session.js';
import type { LogSessionRequest, LogSessions } from '../../logs/log-session-registry.js';
import { HISTORY_LINES_MAX, LOG_SOURCES, type LogHistoryReader, type LogReader, type LogSource } from '../../logs/log-sink.js';
import { wantsEventStream, writeLogStreamToResponse } from '../../logs/log-stream-response.js';
import { getApp } from '../../services/apps.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

type SessionBody = { tail?: unknown; lines?: unknown; source?: unknown; dyno?: unknown; since?: unknown; until?: unknown; grep?: unknown } | undefined;

/** Longest `grep` text taken: a search for more is not a search anyone types. */
const MAX_GREP_LENGTH = 1024;

export function logRoutes(d: { hub: LogReader & LogHistoryReader; sessions: LogSessions; signal: AbortSignal }) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    app.post<{ Params: { app: string }; Body: SessionBody }>('/apps/:app/log-sessions', async (req, reply) => {
      const target = await getApp(ctx, actorOf(req), req.params.app);
      const session = d.sessions.create({ appId: target.id, ...sessionRequest(req.body ?? {}) });
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
        const stream = createLogSessionStream({ hub: d.hub, ...session, ...resumeAfter(req.headers['last-event-id']), signal: abort.signal });
        await writeLogStreamToResponse(stream, reply.raw, { sse: wantsEventStream(req.headers) });
      } finally {
        d.signal.removeEventListener('abort', onServerStop);
      }
    });
  };
}

const given = (v: unknown): boolean => v !== undefined && v !== null;

/** A reconnecting EventSource's Last-Event-ID (the seq of the last line it got); anything else is a fresh start. */
function resumeAfter(header: string | string[] | undefined): { afterSeq?: number } {
  const seq = typeof header === 'string' && /^\d{1,15}$/.test(header.trim()) ? Number(header.trim()) : undefined;
  return seq === undefined ? {} : { afterSeq: seq };
}

/** Heroku's fields (`lines`, `source`, `dyno`, `tail`) as Heroku reads them, plus Berth's history search (`since`, `until`, `grep`). */
function sessionRequest(body: NonNullable<SessionBody>): Omit<LogSessionRequest, 'appId'> {
  const search = given(body.since) || given(body.until) || given(body.grep);
  const lines = body.lines === undefined ? (search ? HISTORY_LINES_MAX : DEFAULT_LOG_LINES) : Number(body.lines);
  if (!Number.isInteger(lines) || lines < 0) throw new BerthError('invalid_params', 'lines must be a whole number.', 'log_session');
  if (given(body.source) && !(LOG_SOURCES as readonly string[]).includes(String(body.source))) {
    throw new BerthError('invalid_params', `source must be one of ${LOG_SOURCES.join(', ')}.`, 'log_session');
  }
  if (given(body.dyno) && !/^[A-Za-z0-9_.-]{1,40}$/.test(String(body.dyno))) {
    throw new BerthError('invalid_params', 'dyno must look like web or web.1.', 'log_session');
  }
  const request: Omit<LogSessionRequest, 'appId'> = {
    tail: body.tail === true, lines: Math.min(lines, search ? HISTORY_LINES_MAX : LINES_KEPT_PER_APP),
    source: (body.source ?? undefined) as LogSource | undefined, dyno: (body.dyno ?? undefined) as string | undefined,
  };
  if (given(body.since)) request.since = timeField('since', body.since);
  if (given(body.until)) request.until = timeField('until', body.until);
  if (request.since !== undefined && request.until !== undefined && request.since > request.until) {
    throw new BerthError('invalid_params', 'since must not be after until.', 'log_session');
  }
  if (request.tail && request.until !== undefined) throw new BerthError('invalid_params', 'until cannot be used with tail: a tail follows new lines.', 'log_session');
  if (given(body.grep)) {
    if (typeof body.grep !== 'string' || body.grep === '' || body.grep.length > MAX_GREP_LENGTH) {
      throw new BerthError('invalid_params', `grep must be text of 1 to ${MAX_GREP_LENGTH} characters.`, 'log_session');
    }
    request.grep = body.grep;
  }
  return request;
}

/** An ISO 8601 time with a date and, if a time of day, a zone (the CLI turns `2h` into one). */
function timeField(name: string, value: unknown): number {
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new BerthError('invalid_params', `${name} must be an ISO 8601 time such as 2026-11-30T06:00:00Z.`, 'log_session');
  return ms;
}
