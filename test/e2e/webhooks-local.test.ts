// App webhooks end to end: a real server, real deploys of fixture apps, and a real HTTP receiver
// started here. A deploy sends api:build and api:release, a scale api:formation, a crashing app a
// dyno crash, an app that never binds its port the R10 event; every delivery verifies with the
// secret, and a receiver that answers 500 then 200 gets a retry the delivery log shows.
// BERTH_BOOT_TIMEOUT is 4 s here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/services/webhook-signature.js';
import { berth, tempDir } from '../support/cli-harness.js';
import { fixture, Platform, usePlatform, waitFor } from '../support/platform-harness.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.js';

let p: Platform;
usePlatform((started) => (p = started), { BERTH_BOOT_TIMEOUT: '4' });

/** The receiver: records every request; a path may be told to answer some statuses first. */
let receiver: WebhookReceiver;
let received: ReceivedWebhook[] = [];
let base = '';

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  ({ received, base } = receiver);
});
afterAll(async () => {
  await receiver?.close();
});

const SECRET = 'e2e-webhook-secret';
const at = (path: string) => received.filter((r) => r.path === path);
const find = (path: string, include: string, test: (b: any) => boolean = () => true) => at(path).find((r) => r.body.webhook_metadata?.event?.include === include && test(r.body));

async function subscribe(app: string, path: string, include: string[], level = 'sync') {
  const res = await p.api('POST', `/apps/${app}/webhooks`, { url: base + path, include, level, secret: SECRET });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

describe('app webhooks', () => {
  it('a deploy sends signed api:build and api:release events, and a scale sends api:formation', async () => {
    const app = 'hooks-deploy';
    await p.createApp(app);
    await subscribe(app, '/deploy', ['api:build', 'api:release', 'api:formation', 'dyno']);
    await p.deployOk(app, fixture('node-hello'), 'v1');
    const built = await waitFor(() => find('/deploy', 'api:build', (b) => b.action === 'update'), 20_000, 'the api:build update');
    expect(built.body).toMatchObject({ resource: 'build', data: { status: 'succeeded', app: { name: app }, source_blob: { version: 'v1' } }, previous_data: { status: 'pending' } });
    expect(find('/deploy', 'api:build', (b) => b.action === 'create')?.body.data.status).toBe('pending');
    const released = await waitFor(() => find('/deploy', 'api:release', (b) => b.action === 'update'), 20_000, 'the api:release update');
    expect(released.body).toMatchObject({ resource: 'release', data: { version: 1, app: { name: app } }, actor: { email: expect.stringContaining('@') } });
    await waitFor(() => find('/deploy', 'dyno', (b) => b.data.state === 'up' && b.data.name === 'web.1'), 20_000, 'web.1 up');

    await p.scale(app, 'web', 2);
    const scaled = await waitFor(() => find('/deploy', 'api:formation'), 20_000, 'the api:formation update');
    expect(scaled.body).toMatchObject({ action: 'update', resource: 'formation', data: { type: 'web', quantity: 2 }, previous_data: { quantity: 1 } });

    // Every delivery is signed over its exact bytes, in Heroku's header, and names its delivery.
    for (const r of at('/deploy')) {
      expect(verifyWebhookSignature(r.raw, SECRET, String(r.headers['heroku-webhook-hmac-sha256']))).toBe(true);
      expect(r.headers['heroku-webhook-id']).toBe(r.body.webhook_metadata.delivery.id);
    }
    const log = (await p.ok('GET', `/apps/${app}/webhook-deliveries`)) as { status: string }[];
    expect(log.length).toBeGreaterThanOrEqual(5);
    await waitFor(async () => ((await p.ok('GET', `/apps/${app}/webhook-deliveries`)) as { status: string }[]).every((d) => d.status === 'succeeded'), 10_000, 'every delivery succeeded');
  }, 90_000);

  it('a crashing app sends a dyno crash event with its exit status', async () => {
    const app = 'hooks-crash';
    await p.createApp(app);
    await subscribe(app, '/crash', ['dyno'], 'notify');
    await p.deploy(app, fixture('crash-at-start'), 'v1');
    const crashed = await waitFor(() => find('/crash', 'dyno', (b) => b.data.state === 'crashed'), 30_000, 'a dyno crashed event');
    expect(crashed.body).toMatchObject({ action: 'destroy', resource: 'dyno', data: { name: 'web.1', state: 'crashed', exit_status: 1, reason: 'exited', app: { name: app } } });
  }, 60_000);

  it('an app that never binds its port sends the R10 dyno event', async () => {
    const app = 'hooks-r10';
    await p.createApp(app);
    await subscribe(app, '/r10', ['dyno']);
    await p.deploy(app, fixture('no-port'), 'v1');
    const r10 = await waitFor(() => find('/r10', 'dyno', (b) => b.data.reason === 'boot-timeout'), 40_000, 'the R10 dyno event');
    expect(r10.body).toMatchObject({ action: 'destroy', data: { name: 'web.1', state: 'crashed', error_code: 'R10' }, previous_data: { state: 'starting' } });
  }, 60_000);

  it('a receiver answering 500 then 200 gets a retry, recorded in the delivery log', async () => {
    const app = 'hooks-retry';
    await p.createApp(app);
    const hook = await subscribe(app, '/flaky', ['api:formation']);
    receiver.answer('/flaky', [500]);
    await p.scale(app, 'web', 1);
    const delivered = await waitFor(async () => {
      const log = (await p.ok('GET', `/apps/${app}/webhook-deliveries`)) as any[];
      return log.length === 1 && log[0].status === 'succeeded' && log[0];
    }, 30_000, 'the retried delivery to succeed');
    expect(delivered).toMatchObject({ num_attempts: 2, webhook: { id: hook.id, level: 'sync' }, event: { include: 'api:formation' }, last_attempt: { code: 200, status: 'succeeded' }, next_attempt_at: null });
    // The same delivery, twice: once answered 500, once 200.
    expect(at('/flaky').map((r) => r.headers['heroku-webhook-id'])).toEqual([delivered.id, delivered.id]);
    const info = await p.ok('GET', `/apps/${app}/webhook-deliveries/${delivered.id}`);
    expect(info.id).toBe(delivered.id);
    const event = await p.ok('GET', `/apps/${app}/webhook-events/${delivered.event.id}`);
    expect(event).toMatchObject({ include: 'api:formation', payload: { resource: 'formation', action: 'update' } });
    // Both attempts reach the operator's Prometheus: one to be retried, one that got through.
    const scrape = await (await fetch(`${p.apiUrl}/metrics`, { headers: { Authorization: `Bearer ${p.token}` } })).text();
    expect(scrape).toContain(`berth_webhook_attempts_total{app="${app}",result="retrying"} 1`);
    expect(scrape).toContain(`berth_webhook_attempts_total{app="${app}",result="succeeded"} 1`);
  }, 60_000);

  it("runs the README's commands: webhooks:add prints the secret, deliveries show the deploy's events", async () => {
    const app = 'hooks-readme';
    await p.createApp(app);
    const home = await tempDir('berth-e2e-webhooks-cli-');
    const cli = (args: string[]) => berth(args, { home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token }, timeoutMs: 60_000 });
    const added = await cli(['webhooks:add', '-u', `${base}/readme`, '-i', 'api:release,api:build,dyno', '-l', 'sync', '-a', app]);
    expect(added.code, added.stderr).toBe(0);
    const secret = /Webhooks Signing Secret\s*\n\s*([0-9a-f]{64})/.exec(added.stdout)?.[1];
    expect(secret, added.stdout).toBeDefined();
    expect((await cli(['webhooks', '-a', app])).stdout).toMatch(new RegExp(`${base.replace(/[.]/g, '\\.')}/readme\\s+api:release,api:build,dyno\\s+sync`));
    await p.deployOk(app, fixture('node-hello'), 'v1');
    const released = await waitFor(() => find('/readme', 'api:release', (b) => b.action === 'update'), 20_000, 'the api:release update');
    expect(verifyWebhookSignature(released.raw, secret!, String(released.headers['heroku-webhook-hmac-sha256']))).toBe(true);
    const deliveries = await waitFor(async () => {
      const out = (await cli(['webhooks:deliveries', '-a', app])).stdout;
      return /api:release\s+sync\s+1\s+200/.test(out) && out;
    }, 20_000, 'the release delivery in webhooks:deliveries');
    const id = released.body.webhook_metadata.delivery.id as string;
    expect(deliveries).toContain(id);
    const info = await cli(['webhooks:deliveries:info', id, '-a', app]);
    expect(info.stdout).toMatch(/Status:\s+succeeded/);
    expect(info.stdout).toContain('"resource": "release"');
  }, 90_000);
});
