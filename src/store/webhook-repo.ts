// App webhooks as stored: the subscriptions, the events published to them, and one delivery per
// (event, webhook) with its attempts so far. Delivery state lives here, not in memory, so a server
// restart resumes what was pending.
import type { WebhookDeliveryStatus, WebhookInclude, WebhookLevel, WebhookPayload } from '../domain/webhooks.js';
import type { Id, Timestamp } from '../domain/types.js';

export interface Webhook {
  id: Id;
  appId: Id;
  url: string;
  include: WebhookInclude[];
  level: WebhookLevel;
  /** The signing secret and the Authorization value, sealed at rest (platform/secret-box.ts). */
  sealedSecret: string;
  sealedAuthorization: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export type NewWebhook = Pick<Webhook, 'appId' | 'url' | 'include' | 'level' | 'sealedSecret' | 'sealedAuthorization'>;
export type WebhookChanges = Partial<Pick<Webhook, 'url' | 'include' | 'level' | 'sealedSecret' | 'sealedAuthorization'>>;

export interface WebhookEvent {
  id: Id;
  appId: Id;
  include: WebhookInclude;
  payload: WebhookPayload;
  createdAt: Timestamp;
}

export interface WebhookAttempt {
  id: Id;
  /** The receiver's HTTP status; null when no answer came (refused, timed out). */
  code: number | null;
  /** Why it failed when no status says it (`ECONNREFUSED`, `timeout`); null on an answer. */
  errorClass: string | null;
  status: 'succeeded' | 'failed';
  createdAt: Timestamp;
}

export interface WebhookDelivery {
  id: Id;
  /** Order of recording, for Heroku's `Range: seq` pagination (many deliveries share a millisecond). */
  seq: number;
  appId: Id;
  webhookId: Id;
  level: WebhookLevel;
  eventId: Id;
  eventInclude: WebhookInclude;
  status: WebhookDeliveryStatus;
  numAttempts: number;
  /** When the next attempt is due; null once it succeeded or was given up. */
  nextAttemptAt: Timestamp | null;
  lastAttempt: WebhookAttempt | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface WebhookRepo {
  create(input: NewWebhook): Promise<Webhook>;
  byId(appId: Id, id: Id): Promise<Webhook | undefined>;
  /** Oldest first. */
  list(appId: Id): Promise<Webhook[]>;
  update(appId: Id, id: Id, changes: WebhookChanges): Promise<Webhook | undefined>;
  /** Its deliveries go with it; the events stay (other webhooks may have had them). */
  delete(appId: Id, id: Id): Promise<boolean>;
  /** Records an event and a pending delivery to each webhook named, due at `dueAt`. */
  publish(event: Omit<WebhookEvent, 'createdAt'>, webhooks: Webhook[], dueAt: Timestamp): Promise<WebhookDelivery[]>;
  events(appId: Id): Promise<WebhookEvent[]>;
  eventById(appId: Id, id: Id): Promise<WebhookEvent | undefined>;
  /** Newest first, at most `limit`. */
  deliveries(appId: Id, filter?: { status?: WebhookDeliveryStatus; limit?: number }): Promise<WebhookDelivery[]>;
  deliveryById(appId: Id, id: Id): Promise<WebhookDelivery | undefined>;
  /** Deliveries still to attempt (pending or retrying) whose next attempt is due by `now`, oldest due first. */
  due(now: Timestamp, limit: number): Promise<WebhookDelivery[]>;
  /** When the earliest delivery still to attempt is due; undefined when none is. */
  nextDue(): Promise<Timestamp | undefined>;
  /** Records one attempt and what comes next (its status, and when to try again if it will be). */
  recordAttempt(deliveryId: Id, attempt: WebhookAttempt, next: { status: WebhookDeliveryStatus; nextAttemptAt: Timestamp | null }): Promise<WebhookDelivery | undefined>;
  /** Forgets events (and their deliveries) created before `before`, keeping the history bounded. */
  pruneBefore(before: Timestamp): Promise<number>;
}
