// One-off dynos waiting for their client to attach, each under the unguessable, single-use secret
// that its attach URLs carry (the secret is the credential, like output_stream_url's). Whichever
// transport connects first takes it: Berth's websocket or the heroku CLI's TLS rendezvous.
import type { User } from '../domain/types.js';
import { newId } from '../platform/ids.js';
import type { OneOffDynos, PreparedOneOff } from '../services/one-off-dynos.js';

const ATTACH_WINDOW_MS = 60_000;

export interface AttachSession {
  actor: User;
  prepared: PreparedOneOff;
}

export class AttachSessions {
  private readonly pending = new Map<string, AttachSession & { timer: NodeJS.Timeout }>();

  constructor(private readonly oneOffs: Pick<OneOffDynos, 'abandon'>, private readonly windowMs = ATTACH_WINDOW_MS) {}

  /** Holds a prepared one-off for its client; returns the secret its attach URLs carry. */
  open(actor: User, prepared: PreparedOneOff): string {
    const id = newId();
    // A client that never connects must not keep holding one of the app's one-off places.
    const timer = setTimeout(() => {
      this.pending.delete(id);
      this.oneOffs.abandon(prepared);
    }, this.windowMs);
    timer.unref();
    this.pending.set(id, { actor, prepared, timer });
    return id;
  }

  /** The session for a secret, once: a second connection with the same secret finds nothing. */
  take(id: string): AttachSession | undefined {
    const session = this.pending.get(id);
    if (!session) return undefined;
    this.pending.delete(id);
    clearTimeout(session.timer);
    return { actor: session.actor, prepared: session.prepared };
  }

  /** At shutdown: every one-off still waiting gives its place back. */
  close(): void {
    for (const { timer, prepared } of this.pending.values()) {
      clearTimeout(timer);
      this.oneOffs.abandon(prepared);
    }
    this.pending.clear();
  }
}
