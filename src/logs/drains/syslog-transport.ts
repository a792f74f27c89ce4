// Syslog over TCP (RFC 6587) or TLS (RFC 5425): one connection per drain, octet-counted frames,
// reconnected on the next batch after it breaks.
import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates } from 'node:tls';
import type { DrainTarget } from '../../domain/log-drains.js';
import type { Clock } from '../../platform/clock.js';
import type { OutboundPolicy } from '../../platform/outbound-policy.js';
import type { DrainTransport } from './drain-transport.js';
import { octetCounted } from './syslog-frame.js';

export interface SyslogTransportOptions {
  target: DrainTarget;
  clock: Clock;
  /** PEM certificates trusted for syslog+tls besides the system's (the operator's CA bundle). */
  extraCa?: readonly string[];
  connectTimeoutMs?: number;
  /** A write the receiver has not taken within this long (a stalled drain) breaks the connection. */
  writeTimeoutMs?: number;
  /** Messages written this long before a connection broke are sent again on the next one. */
  resendWindowMs?: number;
  /** The addresses a tenant's drain may reach (drainTransports always gives one). */
  outbound?: OutboundPolicy;
}

interface Written { at: number; messages: readonly string[] }

/**
 * Syslog over TCP has no acknowledgement: a receiver that dies loses what sat unread in its socket
 * and its queue, and the sender only learns of it when the connection breaks. So what was written
 * during the last moment (`resendWindowMs`, 1 s) before a break is written again first on the next
 * connection: delivery is at least once, and a restarted receiver may see a few lines twice rather
 * than silently miss them.
 */
export class SyslogTransport implements DrainTransport {
  private socket: Socket | undefined;
  private recent: Written[] = [];
  private unconfirmed: string[] = [];
  private readonly window: number;

  constructor(private readonly o: SyslogTransportOptions) {
    this.window = o.resendWindowMs ?? 1_000;
  }

  async send(messages: readonly string[], signal: AbortSignal): Promise<void> {
    const socket = this.socket ?? (await this.connect(signal));
    const again = this.unconfirmed;
    const all = again.length > 0 ? [...again, ...messages] : messages;
    await this.write(socket, all);
    this.unconfirmed = [];
    const now = this.o.clock.now();
    this.recent = this.recent.filter((w) => w.at >= now - this.window);
    this.recent.push({ at: now, messages: all });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private write(socket: Socket, messages: readonly string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => socket.destroy(new Error('the drain did not take the data in time')), this.o.writeTimeoutMs ?? 30_000);
      const failed = (e?: Error) => { clearTimeout(timer); reject(e ?? new Error('the drain closed the connection')); };
      socket.once('close', failed);
      socket.write(messages.map(octetCounted).join(''), (e) => {
        clearTimeout(timer);
        socket.off('close', failed);
        if (e) reject(e);
        else resolve();
      });
    });
  }

  private connect(signal: AbortSignal): Promise<Socket> {
    const { host, port, scheme } = this.o.target;
    try {
      this.o.outbound?.checkHost(host);
    } catch (e) {
      return Promise.reject(e);
    }
    const lookup = this.o.outbound?.lookup;
    const socket = scheme === 'syslog+tls'
      ? tlsConnect({
        host, port, ...(isIP(host) ? {} : { servername: host }), ...(lookup ? { lookup } : {}),
        ...(this.o.extraCa?.length ? { ca: [...rootCertificates, ...this.o.extraCa] } : {}),
      })
      : tcpConnect({ host, port, ...(lookup ? { lookup } : {}) });
    const ready = scheme === 'syslog+tls' ? 'secureConnect' : 'connect';
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    // A receiver has nothing to say; what it might send is read and dropped so it never backs up.
    socket.resume();
    socket.on('error', () => undefined); // the close that follows is what counts
    socket.on('close', () => this.broken(socket));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => socket.destroy(new Error(`no connection to ${host}:${port} in time`)), this.o.connectTimeoutMs ?? 10_000);
      const onAbort = () => socket.destroy(new Error('stopped'));
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (e?: Error) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.off('close', closedEarly);
        socket.off('error', closedEarly);
        if (e) reject(e);
        else {
          this.socket = socket;
          resolve(socket);
        }
      };
      const closedEarly = (e?: Error) => done(e instanceof Error ? e : new Error(`the connection to ${host}:${port} closed`));
      socket.once('error', closedEarly);
      socket.once('close', closedEarly);
      socket.once(ready, () => done());
    });
  }

  /** The connection broke: what the receiver may not have read goes again, ahead of the rest. */
  private broken(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    const since = this.o.clock.now() - this.window;
    this.unconfirmed = [...this.recent.filter((w) => w.at >= since).flatMap((w) => w.messages), ...this.unconfirmed];
    this.recent = [];
  }
}
