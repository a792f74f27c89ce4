// Heroku's HTTPS drain format: each batch one POST of octet-counted syslog messages,
// `Content-Type: application/logplex-1`, with the count, a frame id and the drain's token in headers.
import { randomUUID } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import type { DrainTarget } from '../../domain/log-drains.js';
import type { OutboundPolicy } from '../../platform/outbound-policy.js';
import type { DrainTransport } from './drain-transport.js';
import { octetCounted } from './syslog-frame.js';

export const DRAIN_USER_AGENT = 'Berth-Logplex/1';

export interface HttpsTransportOptions {
  target: DrainTarget;
  token: string;
  /** PEM certificates trusted besides the system's (the operator's CA bundle). */
  extraCa?: readonly string[];
  /** A POST not answered within this long counts as failed (and is retried). */
  timeoutMs?: number;
  /** The addresses a tenant's drain may reach (drainTransports always gives one). */
  outbound?: OutboundPolicy;
}

export class HttpsTransport implements DrainTransport {
  /** A tenth of a second of lines per POST at most, rather than a POST per burst. */
  readonly lingerMs = 100;
  private readonly agent: Agent;
  private readonly url: string;
  private readonly authorization: string | undefined;
  /** The batch being retried keeps its frame id, so a receiver can tell a retry from new lines. */
  private pending: { first: string; count: number; id: string } | undefined;

  constructor(private readonly o: HttpsTransportOptions) {
    const url = new URL(o.target.url);
    // Basic-auth user info in the drain URL becomes the header, as Heroku does; never part of the request line.
    this.authorization = url.username === '' ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
    this.url = url.href;
    const timeout = o.timeoutMs ?? 30_000;
    this.agent = new Agent({
      connections: 1, keepAliveTimeout: 30_000, headersTimeout: timeout, bodyTimeout: timeout,
      connect: {
        ...(o.extraCa?.length ? { ca: [...rootCertificates, ...o.extraCa] } : {}),
        ...(o.outbound ? { lookup: o.outbound.lookup } : {}),
      },
    });
  }

  async send(messages: readonly string[], signal: AbortSignal): Promise<void> {
    this.o.outbound?.checkHost(this.o.target.host);
    const frameId = this.frameIdFor(messages);
    const res = await request(this.url, {
      method: 'POST',
      dispatcher: this.agent,
      signal,
      headers: {
        'content-type': 'application/logplex-1',
        'logplex-msg-count': String(messages.length),
        'logplex-frame-id': frameId,
        'logplex-drain-token': this.o.token,
        'user-agent': DRAIN_USER_AGENT,
        ...(this.authorization ? { authorization: this.authorization } : {}),
      },
      body: messages.map(octetCounted).join(''),
    });
    await res.body.dump().catch(() => undefined);
    if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`the drain answered ${res.statusCode}`);
    this.pending = undefined;
  }

  close(): void {
    void this.agent.close().catch(() => undefined);
  }

  private frameIdFor(messages: readonly string[]): string {
    const p = this.pending;
    if (p && p.first === messages[0] && p.count === messages.length) return p.id;
    this.pending = { first: messages[0] ?? '', count: messages.length, id: randomUUID() };
    return this.pending.id;
  }
}
