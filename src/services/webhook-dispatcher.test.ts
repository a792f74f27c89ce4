// Webhook deliveries against a fake sender and a FakeClock: signed as Heroku signs them, retried
// with backoff and recorded in the delivery log, one attempt for `notify`, given up after the last
// attempt, never held up by a slow receiver, and resumed from the store after a restart.
import { afterEach, describe, expect, it } from 'vitest';
import { noMetrics, type PlatformMeasurement } from '../domain/metric-samples.js';
import type { WebhookLevel } from '../domain/webhooks.js';
import { healthWorld, type HealthWorld } from '../health/testing/health-world.js';
import { silentLogger } from '../platform/logger.js';
import { SecretBox } from '../platform/secret-box.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { eventually } from './testing/eventually.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import type { SendResult, WebhookSender } from './webhook-sender.js';
import { verifyWebhookSignature } from './webhook-signature.js';
import { createWebhook } from './webhooks.js';
import { ReleaseOwner } from './release-owner.js';

interface Sent { url: string; headers: Record<string, string>; body: string }

/** A receiver whose answers the test scripts: one per request in order, then 200s. */
class ScriptedSender implements WebhookSender {
  readonly sent: Sent[] = [];
  constructor(private readonly answers: (SendResult | Promise<SendResult>)[] = [], private readonly perUrl: Record<string, () => Promise<SendResult>> = {}) {}
  async post(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    this.sent.push({ url, headers, body });
    if (this.perUrl[url]) return this.perUrl[url]!();
    return this.answers.shift() ?? { code: 200 };
  }
}

const secrets = SecretBox.fromKey(Buffer.alloc(32, 7));
const worlds: HealthWorld[] = [];
const stops: AbortController[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s.abort();
  for (const w of worlds.splice(0)) await w.cleanup();
});

async function setup(opts: { level?: WebhookLevel; sender: WebhookSender; retryDelaysMs?: number[]; urls?: string[] }) {
  const w = await healthWorld({ web: 1 });
  worlds.push(w);
  const owner = (await w.store.users.byId(w.app.ownerId))!;
  const deps = { store: w.store, clock: w.clock, events: w.events, logger: silentLogger, secrets, defaultStack: 'berth-24',
    releaseOwner: new ReleaseOwner({ store: w.store, clock: w.clock, events: w.events, logger: silentLogger, releaseTimeoutMs: 1000 }) };
  const hooks: Awaited<ReturnType<typeof createWebhook>>[] = [];
  for (const url of opts.urls ?? ['https://hooks.example.com/hooks']) {
    hooks.push(await createWebhook(deps, owner, w.app.name, { url, include: ['api:release'], level: opts.level ?? 'sync', secret: 's3cret', authorization: 'Bearer receiver-token' }));
  }
  const publish = (id: string) => w.store.webhooks.publish({
    id, appId: w.app.id, include: 'api:release',
    payload: { id, created_at: 't', updated_at: 't', published_at: 't', sequence: null, version: 'application/vnd.heroku+json; version=3', action: 'create', resource: 'release', actor: { id: owner.id, email: owner.email }, data: { version: 2 }, previous_data: {} },
  }, hooks.map((h) => h.webhook), new Date(w.clock.now()).toISOString());
  /** Each attempt's result, as the dispatcher counts it for Prometheus. */
  const measured: string[] = [];
  const metrics = { ...noMetrics, platform: (p: PlatformMeasurement) => void (p.kind === 'webhook-attempt' && measured.push(p.result)) };
  const start = (store: Store = w.store) => {
    const dispatcher = new WebhookDispatcher({ store, clock: w.clock, logger: silentLogger, secrets, sender: opts.sender, retryDelaysMs: opts.retryDelaysMs, metrics });
    const stop = new AbortController();
    stops.push(stop);
    void dispatcher.start(stop.signal);
    return { dispatcher, stop };
  };
  const delivery = async (store: Store = w.store) => (await store.webhooks.deliveries(w.app.id))[0]!;
  return { w, publish, start, delivery, hooks, measured };
}

describe('WebhookDispatcher', () => {
  it("signs the exact body with the webhook's secret in Heroku's headers, and passes the Authorization value through", async () => {
    const sender = new ScriptedSender();
    const { publish, start, delivery } = await setup({ sender });
    const [recorded] = await publish('e1');
    start();
    await eventually('the delivery succeeded', async () => (await delivery()).status === 'succeeded');
    const [sent] = sender.sent;
    expect(verifyWebhookSignature(sent!.body, 's3cret', sent!.headers['heroku-webhook-hmac-sha256']!)).toBe(true);
    expect(verifyWebhookSignature(sent!.body, 'wrong', sent!.headers['heroku-webhook-hmac-sha256']!)).toBe(false);
    expect(sent!.headers['heroku-webhook-id']).toBe(recorded!.id);
    expect(sent!.headers.authorization).toBe('Bearer receiver-token');
    const body = JSON.parse(sent!.body);
    expect(body).toMatchObject({ id: 'e1', action: 'create', resource: 'release', data: { version: 2 }, webhook_metadata: { delivery: { id: recorded!.id }, event: { id: 'e1', include: 'api:release' } } });
  });

  it('records a failed attempt, retries after the backoff, and shows both attempts in the delivery log', async () => {
    const sender = new ScriptedSender([{ code: 500 }, { code: 200 }]);
    const { w, publish, start, delivery, measured } = await setup({ sender });
    await publish('e1');
    start();
    await eventually('the first attempt failed', async () => (await delivery()).status === 'retrying');
    const retrying = await delivery();
    expect(retrying).toMatchObject({ numAttempts: 1, lastAttempt: { code: 500, status: 'failed' }, nextAttemptAt: new Date(w.clock.now() + 5000).toISOString() });
    await w.clock.advance(4999);
    expect(sender.sent).toHaveLength(1);
    await w.clock.advance(1);
    await eventually('the retry succeeded', async () => (await delivery()).status === 'succeeded');
    expect(await delivery()).toMatchObject({ numAttempts: 2, lastAttempt: { code: 200, status: 'succeeded' }, nextAttemptAt: null });
    expect(measured).toEqual(['retrying', 'succeeded']);
  });

  // A refused address will not become reachable by retrying, so a sync delivery to one gets one attempt too.
  it.each([
    ['a notify webhook', 'notify', 'ECONNREFUSED'],
    ['a sync webhook whose address Berth may not reach', 'sync', 'EADDRNOTALLOWED'],
  ] as const)('gives %s one attempt only', async (_what, level, errorClass) => {
    const sender = new ScriptedSender([{ errorClass }, { code: 200 }]);
    const { w, publish, start, delivery, measured } = await setup({ sender, level });
    await publish('e1');
    start();
    await eventually('the attempt failed', async () => (await delivery()).status === 'failed');
    await w.clock.advance(3600_000);
    expect(sender.sent).toHaveLength(1);
    expect(await delivery()).toMatchObject({ numAttempts: 1, lastAttempt: { code: null, errorClass }, nextAttemptAt: null });
    expect(measured).toEqual(['failed']);
  });

  it('gives up a sync delivery after its last attempt', async () => {
    const sender = new ScriptedSender([{ code: 502 }, { code: 502 }, { code: 502 }, { code: 200 }]);
    const { w, publish, start, delivery, measured } = await setup({ sender, retryDelaysMs: [1000, 2000] });
    await publish('e1');
    start();
    await eventually('attempt 1', async () => (await delivery()).numAttempts === 1);
    await w.clock.advance(1000);
    await eventually('attempt 2', async () => (await delivery()).numAttempts === 2);
    await w.clock.advance(2000);
    await eventually('given up', async () => (await delivery()).status === 'failed');
    await w.clock.advance(3600_000);
    expect(sender.sent).toHaveLength(3);
    expect(measured).toEqual(['retrying', 'retrying', 'failed']);
  });

  it('keeps delivering to other webhooks while one receiver does not answer', async () => {
    let answerSlow: (r: SendResult) => void = () => undefined;
    const slow = new Promise<SendResult>((resolve) => { answerSlow = resolve; });
    const sender = new ScriptedSender([], { 'https://hooks.example.com/slow': () => slow });
    const { w, publish, start } = await setup({ sender, urls: ['https://hooks.example.com/slow', 'https://hooks.example.com/fast'] });
    await publish('e1');
    await publish('e2');
    start();
    const fastDone = async () => (await w.store.webhooks.deliveries(w.app.id, { status: 'succeeded' })).length === 2;
    await eventually('both events reached the fast receiver', fastDone);
    // The slow one has had its first event only: its second waits its turn, in order.
    expect(sender.sent.filter((s) => s.url.endsWith('/slow')).map((s) => JSON.parse(s.body).id)).toEqual(['e1']);
    answerSlow({ code: 200 });
    await eventually('the slow receiver got both, in order', () => sender.sent.filter((s) => s.url.endsWith('/slow')).length === 2);
    expect(sender.sent.filter((s) => s.url.endsWith('/slow')).map((s) => JSON.parse(s.body).id)).toEqual(['e1', 'e2']);
  });

  it('resumes a pending delivery from the store after a restart', async () => {
    const sender = new ScriptedSender([{ code: 500 }]);
    const { w, publish, start, delivery } = await setup({ sender });
    await publish('e1');
    const first = start();
    await eventually('the first attempt failed', async () => (await delivery()).status === 'retrying');
    first.stop.abort();
    // A new server: a new store over the same file, a new dispatcher that knows nothing in memory.
    const reopened = new SqliteStore(w.dbFile, w.clock);
    try {
      start(reopened);
      await w.clock.advance(5000);
      await eventually('the restarted dispatcher delivered it', async () => (await delivery(reopened)).status === 'succeeded');
      expect(sender.sent).toHaveLength(2);
    } finally {
      for (const s of stops.splice(0)) s.abort();
      await reopened.close();
    }
  });
});
