// Heroku's app webhooks: /apps/{app}/webhooks (the heroku CLI's `webhooks`, `webhooks:add`,
// `webhooks:info`, `webhooks:update`, `webhooks:remove`), /apps/{app}/webhook-deliveries
// (`webhooks:deliveries`, `…:info`) and /apps/{app}/webhook-events (`webhooks:events`).
import type { FastifyInstance } from 'fastify';
import {
  createWebhook, deleteWebhook, getWebhook, getWebhookDelivery, getWebhookEvent, listWebhookDeliveries, listWebhookEvents, listWebhooks,
  updateWebhook, type SecretSealer, type WebhookDeps, type WebhookInput,
} from '../../services/webhooks.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { paginate, parseRange } from '../pagination.js';
import { webhookDeliveryJson, webhookEventJson, webhookJson } from '../webhook-serializers.js';

type AppParams = { Params: { app: string } };
type OneParams = { Params: { app: string; id: string } };
type Body = { Body: WebhookInput | undefined };

export function webhookRoutes(d: { secrets: SecretSealer }) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    const deps: WebhookDeps = { ...ctx, ...d };

    app.get<AppParams>('/apps/:app/webhooks', async (req) => {
      const { app: a, webhooks } = await listWebhooks(deps, actorOf(req), req.params.app);
      return webhooks.map((w) => webhookJson(w, a));
    });
    app.post<AppParams & Body>('/apps/:app/webhooks', async (req, reply) => {
      const { app: a, webhook, secret } = await createWebhook(deps, actorOf(req), req.params.app, req.body ?? {});
      // Shown this once, where the heroku CLI looks for it; only its sealed form is kept.
      return reply.status(201).header('Heroku-Webhook-Secret', secret).send(webhookJson(webhook, a));
    });
    app.get<OneParams>('/apps/:app/webhooks/:id', async (req) => {
      const { app: a, webhook } = await getWebhook(deps, actorOf(req), req.params.app, req.params.id);
      return webhookJson(webhook, a);
    });
    app.patch<OneParams & Body>('/apps/:app/webhooks/:id', async (req) => {
      const { app: a, webhook } = await updateWebhook(deps, actorOf(req), req.params.app, req.params.id, req.body ?? {});
      return webhookJson(webhook, a);
    });
    app.delete<OneParams>('/apps/:app/webhooks/:id', async (req) => {
      const { app: a, webhook } = await deleteWebhook(deps, actorOf(req), req.params.app, req.params.id);
      return webhookJson(webhook, a);
    });

    app.get<AppParams & { Querystring: Record<string, string | undefined> }>('/apps/:app/webhook-deliveries', async (req, reply) => {
      // The heroku CLI filters with `?eq[status]=failed`.
      const status = req.query['eq[status]'] ?? req.query.status;
      const { deliveries } = await listWebhookDeliveries(deps, actorOf(req), req.params.app, { status });
      const page = paginate(deliveries, parseRange(req.headers.range, ['seq', 'id', 'created_at'], 'seq'), (x, f) =>
        (f === 'seq' ? x.seq : f === 'id' ? x.id : x.createdAt));
      return reply.status(page.status).headers(page.headers).send(page.items.map(webhookDeliveryJson));
    });
    app.get<OneParams>('/apps/:app/webhook-deliveries/:id', async (req) => {
      const { delivery } = await getWebhookDelivery(deps, actorOf(req), req.params.app, req.params.id);
      return webhookDeliveryJson(delivery);
    });
    app.get<AppParams>('/apps/:app/webhook-events', async (req) => {
      const { events } = await listWebhookEvents(deps, actorOf(req), req.params.app);
      return events.map(webhookEventJson);
    });
    app.get<OneParams>('/apps/:app/webhook-events/:id', async (req) => {
      const { event } = await getWebhookEvent(deps, actorOf(req), req.params.app, req.params.id);
      return webhookEventJson(event);
    });
  };
}
