// Turns platform events into app webhook events: for each event an app's webhooks asked for, the
// payload (Heroku's envelope) is stored with one pending delivery per webhook, in one transaction,
// and the dispatcher is woken. Nothing is sent here: the platform never waits on a receiver.
import type { WebhookEventBody, WebhookPayload } from '../domain/webhooks.js';
import type { Clock } from '../platform/clock.js';
import { isoNow } from '../platform/clock.js';
import { newId } from '../platform/ids.js';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';
import type { PlatformEvent, PlatformEvents } from './platform-events.js';
import { KeyedQueue } from './work-limits.js';

/** What an event means to webhooks, in Heroku's words; none when webhooks have nothing to say about it. */
export type WebhookPresenter = (event: PlatformEvent) => Promise<WebhookEventBody[]>;

export interface WebhookPublisherDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  present: WebhookPresenter;
  /** Asks the dispatcher to look for due deliveries now. */
  wake: () => void;
}

const PUBLISHED: ReadonlySet<PlatformEvent['type']> = new Set(['build-changed', 'release-changed', 'formation-changed', 'dyno-changed']);

export class WebhookPublisher {
  /** Per app, in the order the events were emitted: a receiver sees `starting` before `crashed`. */
  private readonly perApp = new KeyedQueue();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: WebhookPublisherDeps) {}

  /** Listens until the returned function is called. */
  listen(events: PlatformEvents): () => void {
    return events.on((e) => {
      if (!PUBLISHED.has(e.type) || !('appId' in e)) return;
      const done = this.perApp.run(e.appId, () => this.publish(e, e.appId))
        .catch((err: unknown) => this.deps.logger.error('webhook-event-not-recorded', { app: e.appId, event: e.type, error: err instanceof Error ? err.stack ?? err.message : String(err) }))
        .finally(() => this.pending.delete(done));
      this.pending.add(done);
    });
  }

  /** Resolves once every event emitted so far is recorded (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async publish(event: PlatformEvent, appId: string): Promise<void> {
    const { store, clock } = this.deps;
    const webhooks = await store.webhooks.list(appId);
    if (webhooks.length === 0) return; // the common case: no payload is even built
    let recorded = 0;
    for (const body of await this.deps.present(event)) {
      const subscribers = webhooks.filter((w) => w.include.includes(body.include));
      if (subscribers.length === 0) continue;
      const now = isoNow(clock);
      const id = newId();
      const { include, ...rest } = body;
      const payload: WebhookPayload = { id, created_at: now, updated_at: now, published_at: now, sequence: null, version: 'application/vnd.heroku+json; version=3', ...rest };
      await store.transaction((tx) => tx.webhooks.publish({ id, appId, include, payload }, subscribers, now));
      recorded++;
    }
    if (recorded > 0) this.deps.wake();
  }
}
