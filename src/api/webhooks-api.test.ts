// App webhooks over real HTTP (no receiver: what is stored and shown). The secret is shown once in
// Heroku's `Heroku-Webhook-Secret` header and never again; URLs, event types and levels are
// checked; a scale is published to the webhooks that asked for api:formation only, in Heroku's
// envelope; the delivery log filters by status as the heroku CLI asks.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import { silentLogger } from '../platform/logger.js';
import { SecretBox } from '../platform/secret-box.js';
import { WebhookPublisher } from '../services/webhook-publisher.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { webhookPayloads } from './webhook-payloads.js';

let api: TestApi;
let token: string;
let publisher: WebhookPublisher;

beforeAll(async () => {
  api = await startTestApi([webhookRoutes({ secrets: SecretBox.fromKey(randomBytes(32)) })]);
  token = await api.login(ADMIN.email, ADMIN.password);
  publisher = new WebhookPublisher({ store: api.deps.store, clock: api.deps.clock, logger: silentLogger, present: webhookPayloads({ store: api.deps.store, apiUrl: api.url }), wake: () => undefined });
  publisher.listen(api.deps.events);
  expect((await api.call('POST', '/apps', { token, body: { name: 'hooked' } })).status).toBe(201);
});
afterAll(async () => api?.close());

const add = (body: unknown) => api.call('POST', '/apps/hooked/webhooks', { token, body });

describe('/apps/{app}/webhooks', () => {
  it('shows a generated secret once, in the header the heroku CLI reads, and never in the webhook', async () => {
    const res = await add({ url: 'http://hooks.example.com:8080/hooks', include: ['api:release', 'dyno'], level: 'notify' });
    expect(res.status).toBe(201);
    expect(res.headers.get('heroku-webhook-secret')).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body).toMatchObject({ url: 'http://hooks.example.com:8080/hooks', include: ['api:release', 'dyno'], level: 'notify', app: { name: 'hooked' } });
    const shown = await api.call('GET', `/apps/hooked/webhooks/${res.body.id}`, { token });
    expect(JSON.stringify(shown.body)).not.toContain(res.headers.get('heroku-webhook-secret'));
    const updated = await api.call('PATCH', `/apps/hooked/webhooks/${res.body.id}`, { token, body: { level: 'sync', include: ['api:build'] } });
    expect(updated.body).toMatchObject({ level: 'sync', include: ['api:build'], url: 'http://hooks.example.com:8080/hooks' });
    expect((await api.call('DELETE', `/apps/hooked/webhooks/${res.body.id}`, { token })).status).toBe(200);
    expect((await api.call('GET', `/apps/hooked/webhooks/${res.body.id}`, { token })).body).toMatchObject({ id: 'not_found', resource: 'webhook' });
  });

  it.each([
    [{ url: 'ftp://example.com/x', include: ['dyno'], level: 'sync' }, /http or https/],
    [{ url: 'not a url', include: ['dyno'], level: 'sync' }, /not a URL/],
    [{ url: 'http://127.0.0.1/x', include: ['api:addon'], level: 'sync' }, /does not publish api:addon/],
    [{ url: 'http://127.0.0.1/x', include: [], level: 'sync' }, /include/],
    [{ url: 'http://127.0.0.1/x', include: ['dyno'], level: 'always' }, /notify .* or sync/],
    [{ url: 'http://127.0.0.1/x', include: ['dyno'], level: 'sync', authorization: 'a\r\nX-Injected: 1' }, /one header value/],
    [{ url: 'http://169.254.169.254/latest/meta-data', include: ['dyno'], level: 'sync' }, /169\.254\.169\.254 is a link-local address: Berth sends webhooks and log drains only to public addresses/],
    [{ url: 'https://192.168.0.10/hooks', include: ['dyno'], level: 'sync' }, /192\.168\.0\.10 is a private address.*BERTH_OUTBOUND_ALLOW/],
  ])('refuses %j with 422', async (body, message) => {
    const res = await add(body);
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(message);
  });

  it('publishes a scale to the webhooks that asked for api:formation, in Heroku\'s envelope, as a pending delivery', async () => {
    const wanted = await add({ url: 'http://127.0.0.1:9/formation', include: ['api:formation'], level: 'sync', secret: 'x' });
    await add({ url: 'http://127.0.0.1:9/other', include: ['api:release'], level: 'sync', secret: 'x' });
    expect((await api.call('PATCH', '/apps/hooked/formation', { token, body: { updates: [{ type: 'worker', quantity: 2 }] } })).status).toBe(200);
    await publisher.idle();
    const deliveries = (await api.call('GET', '/apps/hooked/webhook-deliveries', { token })).body;
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: 'pending', num_attempts: 0, last_attempt: null, webhook: { id: wanted.body.id, level: 'sync' }, event: { include: 'api:formation' } });
    const event = (await api.call('GET', `/apps/hooked/webhook-events/${deliveries[0].event.id}`, { token })).body;
    expect(event.payload).toMatchObject({
      action: 'update', resource: 'formation', version: 'application/vnd.heroku+json; version=3', actor: { email: ADMIN.email },
      data: { type: 'worker', quantity: 2, app: { name: 'hooked' } }, previous_data: { quantity: 0 },
    });
    expect((await api.call('GET', '/apps/hooked/webhook-deliveries?eq[status]=failed', { token })).body).toEqual([]);
    expect((await api.call('GET', '/apps/hooked/webhook-deliveries?eq[status]=pending', { token })).body).toHaveLength(1);
    expect((await api.call('GET', '/apps/hooked/webhook-deliveries?eq[status]=bogus', { token })).status).toBe(422);
  });
});
