// Watches the engine's event stream for Berth containers that die, so exits are seen as they
// happen rather than on the next poll. Reconnects when the stream breaks (dockerd restart).
import type Docker from 'dockerode';
import type { Logger } from '../../platform/logger.js';
import { LABEL } from './container-labels.js';

export class ExitEvents {
  private stream: NodeJS.ReadableStream | undefined;
  private opening: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly docker: Docker, private readonly log: Logger, private readonly onDie: (containerId: string) => void) {}

  /** Resolves once the stream is open: a container started after this cannot die unseen. */
  open(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.opening ??= this.connect().catch((e: Error) => {
      this.opening = undefined;
      throw e;
    });
    return this.opening;
  }

  close(): void {
    this.closed = true;
    (this.stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
  }

  private async connect(): Promise<void> {
    const stream = (await this.docker.getEvents({
      filters: { type: ['container'], event: ['die'], label: [`${LABEL.managed}=1`] },
    })) as NodeJS.ReadableStream;
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
    const reconnect = () => {
      if (this.closed || this.stream !== stream) return;
      this.log.warn('docker-events-lost', {});
      this.opening = undefined;
      this.stream = undefined;
      setTimeout(() => void this.open().catch((e: Error) => this.log.error('docker-events-failed', { error: e.message })), 1000).unref();
    };
    stream.on('end', reconnect);
    stream.on('error', reconnect);
  }
}
