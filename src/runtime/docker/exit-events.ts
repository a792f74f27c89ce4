// Watches the engine's event stream for Berth containers that die, so exits are seen as they
// happen rather than on the next poll. Reconnects when the stream breaks (dockerd restart),
// retrying with a capped backoff for as long as dockerd stays away; exits in the gap are
// found by the reconciler's polling, so nothing is lost but promptness.
import type Docker from 'dockerode';
import type { Logger } from '../../platform/logger.js';
import { LABEL } from './container-labels.js';

export interface ExitEventsOptions {
  /** The first wait before reopening a broken stream; it doubles after each failure. */
  retryMs?: number;
  /** The longest wait between two attempts. */
  maxRetryMs?: number;
  /** Waits ms, rejecting when signal aborts (tests pass one that does not wait). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A timer that never keeps the process alive: retries must not hold up an exit. */
const unrefSleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  timer.unref();
  signal.addEventListener('abort', () => {
    clearTimeout(timer);
    reject(signal.reason);
  }, { once: true });
});

export class ExitEvents {
  private stream: NodeJS.ReadableStream | undefined;
  private opening: Promise<void> | undefined;
  private reconnecting = false;
  private readonly closing = new AbortController();
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly docker: Docker, private readonly log: Logger, private readonly onDie: (containerId: string) => void, opts: ExitEventsOptions = {}) {
    this.retryMs = opts.retryMs ?? 1_000;
    this.maxRetryMs = opts.maxRetryMs ?? 30_000;
    this.sleep = opts.sleep ?? unrefSleep;
  }

  private get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** Resolves once the stream is open: a container started after this cannot die unseen. */
  open(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.opening ??= this.connect().catch((e: Error) => {
      this.opening = undefined;
      throw e;
    });
    return this.opening;
  }

  /** Stops watching for good, including any reconnect under way. */
  close(): void {
    this.closing.abort();
    destroy(this.stream);
  }

  private async connect(): Promise<void> {
    const stream = (await this.docker.getEvents({
      filters: { type: ['container'], event: ['die'], label: [`${LABEL.managed}=1`] },
    })) as NodeJS.ReadableStream;
    if (this.closed) return destroy(stream);
    this.stream = stream;
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          const event = JSON.parse(line) as { id?: string; Actor?: { ID?: string } };
          const id = event.Actor?.ID ?? event.id;
          if (id) this.onDie(id);
        } catch (e) {
          this.log.warn('docker-event-unreadable', { error: (e as Error).message });
        }
      }
    });
    const lost = () => {
      if (this.closed || this.stream !== stream) return;
      this.log.warn('docker-events-lost', {});
      this.opening = undefined;
      this.stream = undefined;
      void this.reconnect();
    };
    stream.on('end', lost);
    stream.on('error', lost);
  }

  /** Reopens the stream, waiting longer after each failure, until it opens or close() is called. */
  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      for (let delay = this.retryMs; !this.closed; delay = Math.min(delay * 2, this.maxRetryMs)) {
        try {
          await this.sleep(delay, this.closing.signal);
        } catch {
          return; // closed while waiting
        }
        if (this.closed) return;
        try {
          await this.open();
          this.log.info('docker-events-restored', {});
          return;
        } catch (e) {
          if (!this.closed) this.log.error('docker-events-failed', { error: (e as Error).message, retryInMs: Math.min(delay * 2, this.maxRetryMs) });
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }
}

function destroy(stream: NodeJS.ReadableStream | undefined): void {
  (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
}
