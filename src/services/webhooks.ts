// App webhooks, the use cases: subscribe (`webhooks:add`), list, show, change, remove; read the
// delivery log and the events published. `manage` changes a subscription, `view` reads.
import { randomBytes } from 'node:crypto';
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import { parseAuthorization, parseIncludes, parseLevel, parseSecret, parseWebhookUrl, type WebhookDeliveryStatus } from '../domain/webhooks.js';
import type { Webhook, WebhookDelivery, WebhookEvent } from '../store/webhook-repo.js';
import { auditEntry } from './audit-entry.js';
import { authorize } from './authorization.js';
import { assertReachableHost } from './outbound-targets.js';
import type { ServiceDeps } from './service-deps.js';

/** Seals secrets at rest and opens them to sign a delivery (platform/secret-box.ts). */
export interface SecretSealer {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

export interface WebhookDeps extends ServiceDeps {
  secrets: SecretSealer;
}

export interface WebhookInput {
  url?: unknown;
  include?: unknown;
  level?: unknown;
  secret?: unknown;
  authorization?: unknown;
}

const DELIVERY_STATUSES: readonly WebhookDeliveryStatus[] = ['pending', 'retrying', 'failed', 'succeeded'];

const notFound = (what: 'webhook' | 'webhook-delivery' | 'webhook-event', ref: string) =>
  new BerthError('not_found', `Couldn't find that ${what.replace('-', ' ')} (${ref}).`, what);

/** Heroku-style generated secret: 32 random bytes as hex, shown once in the create answer. */
const newSecret = () => randomBytes(32).toString('hex');

export async function listWebhooks(deps: WebhookDeps, actor: User, appRef: string): Promise<{ app: App; webhooks: Webhook[] }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  return { app, webhooks: await deps.store.webhooks.list(app.id) };
}

export async function getWebhook(deps: WebhookDeps, actor: User, appRef: string, id: string): Promise<{ app: App; webhook: Webhook }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  const webhook = await deps.store.webhooks.byId(app.id, id);
  if (!webhook) throw notFound('webhook', id);
  return { app, webhook };
}

/** Returns the secret in the clear this once (Heroku's `Heroku-Webhook-Secret` header); it is stored sealed. */
export async function createWebhook(deps: WebhookDeps, actor: User, appRef: string, input: WebhookInput): Promise<{ app: App; webhook: Webhook; secret: string }> {
  const app = await authorize(deps.store, actor, appRef, 'manage');
  const url = reachableUrl(deps, input.url);
  const include = parseIncludes(input.include);
  const level = parseLevel(input.level);
  const secret = parseSecret(input.secret) ?? newSecret();
  const authorization = parseAuthorization(input.authorization) ?? null;
  const webhook = await deps.store.transaction(async (tx) => {
    const created = await tx.webhooks.create({
      appId: app.id, url, include, level, sealedSecret: deps.secrets.seal(secret), sealedAuthorization: authorization === null ? null : deps.secrets.seal(authorization),
    });
    // Neither the secret nor the Authorization value goes into the trail: anyone reading it could forge or replay deliveries.
    await tx.events.append(auditEntry(actor, app, 'webhook-created', { webhook: created.id, url, include, level }));
    return created;
  });
  return { app, webhook, secret };
}

export async function updateWebhook(deps: WebhookDeps, actor: User, appRef: string, id: string, input: WebhookInput): Promise<{ app: App; webhook: Webhook }> {
  const app = await authorize(deps.store, actor, appRef, 'manage');
  const changes = {
    ...(input.url !== undefined && input.url !== null ? { url: reachableUrl(deps, input.url) } : {}),
    ...(input.include !== undefined && input.include !== null ? { include: parseIncludes(input.include) } : {}),
    ...(input.level !== undefined && input.level !== null ? { level: parseLevel(input.level) } : {}),
  };
  const secret = parseSecret(input.secret);
  const authorization = parseAuthorization(input.authorization);
  const webhook = await deps.store.transaction(async (tx) => {
    const updated = await tx.webhooks.update(app.id, id, {
      ...changes,
      ...(secret !== undefined ? { sealedSecret: deps.secrets.seal(secret) } : {}),
      ...(authorization !== undefined ? { sealedAuthorization: authorization === null ? null : deps.secrets.seal(authorization) } : {}),
    });
    if (!updated) throw notFound('webhook', id);
    await tx.events.append(auditEntry(actor, app, 'webhook-updated', { webhook: id, ...changes, secretChanged: secret !== undefined, authorizationChanged: authorization !== undefined }));
    return updated;
  });
  return { app, webhook };
}

export async function deleteWebhook(deps: WebhookDeps, actor: User, appRef: string, id: string): Promise<{ app: App; webhook: Webhook }> {
  const app = await authorize(deps.store, actor, appRef, 'manage');
  const webhook = await deps.store.transaction(async (tx) => {
    const found = await tx.webhooks.byId(app.id, id);
    if (!found) throw notFound('webhook', id);
    await tx.webhooks.delete(app.id, id);
    await tx.events.append(auditEntry(actor, app, 'webhook-removed', { webhook: id, url: found.url }));
    return found;
  });
  return { app, webhook };
}

export async function listWebhookDeliveries(deps: WebhookDeps, actor: User, appRef: string, filter: { status?: string; limit?: number }): Promise<{ app: App; deliveries: WebhookDelivery[] }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  if (filter.status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(filter.status)) {
    throw new BerthError('invalid_params', `status must be one of ${DELIVERY_STATUSES.join(', ')}.`, 'webhook-delivery');
  }
  const deliveries = await deps.store.webhooks.deliveries(app.id, { status: filter.status as WebhookDeliveryStatus | undefined, limit: filter.limit });
  return { app, deliveries };
}

export async function getWebhookDelivery(deps: WebhookDeps, actor: User, appRef: string, id: string): Promise<{ app: App; delivery: WebhookDelivery }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  const delivery = await deps.store.webhooks.deliveryById(app.id, id);
  if (!delivery) throw notFound('webhook-delivery', id);
  return { app, delivery };
}

export async function listWebhookEvents(deps: WebhookDeps, actor: User, appRef: string): Promise<{ app: App; events: WebhookEvent[] }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  return { app, events: await deps.store.webhooks.events(app.id) };
}

export async function getWebhookEvent(deps: WebhookDeps, actor: User, appRef: string, id: string): Promise<{ app: App; event: WebhookEvent }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  const event = await deps.store.webhooks.eventById(app.id, id);
  if (!event) throw notFound('webhook-event', id);
  return { app, event };
}

function reachableUrl(deps: WebhookDeps, raw: unknown): string {
  const url = parseWebhookUrl(raw);
  assertReachableHost(deps, new URL(url).hostname, `url ${JSON.stringify(url)}`, 'webhook');
  return url;
}
