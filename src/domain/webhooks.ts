// App webhooks (Heroku's shape): what a subscription may ask for, and the rules its fields follow.
// No I/O: the store keeps subscriptions, services/ publish events and deliver them.
import { BerthError } from './errors.js';

/**
 * The entities Berth publishes. Heroku has more (api:app, api:addon, api:domain…); asking for one
 * Berth never sends is refused rather than accepted and silently never delivered.
 */
export const WEBHOOK_INCLUDES = ['api:build', 'api:release', 'api:formation', 'api:dyno', 'dyno'] as const;
export type WebhookInclude = (typeof WEBHOOK_INCLUDES)[number];

/** `notify`: one attempt, as Heroku's "fire and forget"; `sync`: retried with backoff until it succeeds or gives up. */
export const WEBHOOK_LEVELS = ['notify', 'sync'] as const;
export type WebhookLevel = (typeof WEBHOOK_LEVELS)[number];

/** Heroku's delivery states Berth uses: not tried yet, tried and tried again later, given up, delivered. */
export type WebhookDeliveryStatus = 'pending' | 'retrying' | 'failed' | 'succeeded';

const MAX_URL_LENGTH = 2048;
const MAX_SECRET_LENGTH = 512;
const MAX_AUTHORIZATION_LENGTH = 2048;

export function parseIncludes(raw: unknown): WebhookInclude[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.some((i) => typeof i !== 'string')) {
    throw new BerthError('invalid_params', `include must be a list of event types: ${WEBHOOK_INCLUDES.join(', ')}.`, 'webhook');
  }
  const unknown = (raw as string[]).filter((i) => !(WEBHOOK_INCLUDES as readonly string[]).includes(i));
  if (unknown.length > 0) {
    throw new BerthError('invalid_params', `Berth does not publish ${unknown.join(', ')}; event types: ${WEBHOOK_INCLUDES.join(', ')}.`, 'webhook');
  }
  return [...new Set(raw as WebhookInclude[])];
}

export function parseLevel(raw: unknown): WebhookLevel {
  if (typeof raw !== 'string' || !(WEBHOOK_LEVELS as readonly string[]).includes(raw)) {
    throw new BerthError('invalid_params', 'level must be notify (one attempt) or sync (retried until it succeeds).', 'webhook');
  }
  return raw as WebhookLevel;
}

/**
 * http or https, with a host. Private and loopback addresses are allowed on purpose: Berth is
 * self-hosted, and a team's receiver (chat bridge, CI, pager) usually sits on its own network.
 * Whoever may manage an app may already run code on this network, so a URL adds no reach.
 */
export function parseWebhookUrl(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) {
    throw new BerthError('invalid_params', `url must be an http or https URL of at most ${MAX_URL_LENGTH} characters.`, 'webhook');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BerthError('invalid_params', `url ${JSON.stringify(raw)} is not a URL.`, 'webhook');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BerthError('invalid_params', `url must use http or https, not ${url.protocol.replace(/:$/, '')}.`, 'webhook');
  }
  if (!url.hostname) throw new BerthError('invalid_params', 'url must name a host.', 'webhook');
  return url.toString();
}

/** A secret the user chose (absent: Berth makes one); it signs every delivery. */
export function parseSecret(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_SECRET_LENGTH) {
    throw new BerthError('invalid_params', `secret must be a string of 1 to ${MAX_SECRET_LENGTH} characters.`, 'webhook');
  }
  return raw;
}

/** The Authorization header value sent with each delivery, passed through as given. */
export function parseAuthorization(raw: unknown): string | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === null || raw === '') return null;
  if (typeof raw !== 'string' || raw.length > MAX_AUTHORIZATION_LENGTH || /[\r\n]/.test(raw)) {
    throw new BerthError('invalid_params', `authorization must be one header value of at most ${MAX_AUTHORIZATION_LENGTH} characters.`, 'webhook');
  }
  return raw;
}

/** What happened, in Heroku's webhook payload terms (the envelope's `action`, `resource`, `data`…). */
export interface WebhookEventBody {
  include: WebhookInclude;
  action: 'create' | 'update' | 'destroy';
  resource: 'build' | 'release' | 'formation' | 'dyno';
  actor: { id: string | null; email: string | null };
  data: Record<string, unknown>;
  previous_data: Record<string, unknown>;
}

/** The payload as delivered: Heroku's envelope. `webhook_metadata` is added per delivery attempt. */
export interface WebhookPayload extends Omit<WebhookEventBody, 'include'> {
  id: string;
  created_at: string;
  updated_at: string;
  published_at: string;
  sequence: null;
  version: 'application/vnd.heroku+json; version=3';
}
