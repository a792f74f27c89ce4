// App webhooks in Heroku's JSON: the subscription (never its secret or Authorization value), a
// delivery with its last attempt, an event with its payload.
import type { App } from '../domain/types.js';
import type { Webhook, WebhookDelivery, WebhookEvent } from '../store/webhook-repo.js';

export const webhookJson = (w: Webhook, app: Pick<App, 'id' | 'name'>) => ({
  id: w.id,
  app: { id: app.id, name: app.name },
  url: w.url,
  include: w.include,
  level: w.level,
  created_at: w.createdAt,
  updated_at: w.updatedAt,
});

export const webhookDeliveryJson = (d: WebhookDelivery) => ({
  id: d.id,
  event: { id: d.eventId, include: d.eventInclude },
  webhook: { id: d.webhookId, level: d.level },
  status: d.status,
  num_attempts: d.numAttempts,
  next_attempt_at: d.nextAttemptAt,
  last_attempt: d.lastAttempt && {
    id: d.lastAttempt.id, code: d.lastAttempt.code, error_class: d.lastAttempt.errorClass, status: d.lastAttempt.status,
    created_at: d.lastAttempt.createdAt, updated_at: d.lastAttempt.createdAt,
  },
  created_at: d.createdAt,
  updated_at: d.updatedAt,
});

export const webhookEventJson = (e: WebhookEvent) => ({
  id: e.id,
  include: e.include,
  payload: e.payload,
  created_at: e.createdAt,
  updated_at: e.createdAt,
});
