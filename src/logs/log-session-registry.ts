// Log sessions: short-lived, unguessable ids that let a logplex-style URL stream an app's logs without auth.
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../platform/clock.js';
import type { LogSource } from './log-sink.js';

export interface LogSessionRequest {
  appId: string;
  lines: number;
  tail: boolean;
  source?: LogSource;
  dyno?: string;
  /** A history search's window (epoch ms) and text; see `searchesHistory`. */
  since?: number;
  until?: number;
  grep?: string;
}

export interface LogSession extends LogSessionRequest {
  /** 192 random bits, URL-safe: the id is the only credential the logplex URL carries. */
  id: string;
  /** Epoch ms after which the URL no longer starts a stream (a stream already running goes on). */
  expiresAt: number;
}

export interface LogSessionsOptions {
  clock?: Clock;
  /** How long a created session may wait to be opened; Heroku's logplex URLs last minutes, too. */
  ttlMs?: number;
  /** Outstanding sessions kept at most; the oldest go first, so a flood of creates cannot grow memory. */
  maxSessions?: number;
}

export class LogSessions {
  private readonly sessions = new Map<string, LogSession>();
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly maxSessions: number;

  constructor(opts: LogSessionsOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.ttlMs = opts.ttlMs ?? 5 * 60_000;
    this.maxSessions = opts.maxSessions ?? 10_000;
  }

  create(req: LogSessionRequest): LogSession {
    this.prune();
    const session: LogSession = { ...req, id: randomBytes(24).toString('base64url'), expiresAt: this.clock.now() + this.ttlMs };
    this.sessions.set(session.id, session);
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.maxSessions) break;
      this.sessions.delete(oldest);
    }
    return session;
  }

  /**
   * The session, or undefined when unknown or expired. Not single-use: an SSE client reconnects
   * to the same URL by design, and each open is bounded by the expiry anyway.
   */
  get(id: string): LogSession | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.clock.now() >= session.expiresAt) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [id, s] of this.sessions) if (now >= s.expiresAt) this.sessions.delete(id);
  }
}
