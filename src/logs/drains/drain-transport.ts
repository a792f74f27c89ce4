// How a batch of syslog messages reaches one drain: a TCP or TLS syslog connection, or an HTTPS POST.
import type { DrainTarget } from '../../domain/log-drains.js';

export interface DrainTransport {
  /**
   * Sends the messages (each an RFC 5424 message, not yet framed) in order; resolves once they
   * are handed over, rejects when they may not have been (the delivery retries them).
   */
  send(messages: readonly string[], signal: AbortSignal): Promise<void>;
  close(): void;
  /**
   * How long lines may gather before a send that is not a full batch: where each send costs a
   * request (HTTPS), fewer, fuller ones cost much less CPU on both sides. None for a stream.
   */
  readonly lingerMs?: number;
}

/** Makes the transport a drain's URL asks for. */
export type DrainTransportFactory = (target: DrainTarget, token: string) => DrainTransport;
