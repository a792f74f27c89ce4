// Issue 16's app webhook commands of the stock heroku CLI against Berth: webhooks:add (the secret it
// prints comes from Heroku-Webhook-Secret), webhooks, webhooks:info, webhooks:update, a scale
// delivered to a receiver started here and read back with webhooks:deliveries, webhooks:deliveries:info
// and webhooks:events, then webhooks:remove. Registered inside heroku-cli.test.ts's deployed-app block.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/services/webhook-signature.js';
import { waitFor } from '../support/platform-harness.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.js';
import type { DeployedAppSuite } from './heroku-cli-rest.cases.js';

const APP = 'compat-hooks';

export function describeWebhooks(s: DeployedAppSuite): void {
  const api = (method: string, path: string, body?: unknown) => s.server().api(method, path, body);
  let received: ReceivedWebhook[] = [];
  let receiver: WebhookReceiver;
  let url = '';

  describe('webhooks, webhooks:add/info/update/remove, webhooks:deliveries(:info), webhooks:events', { timeout: 120_000 }, () => {
    beforeAll(async () => {
      receiver = await startWebhookReceiver();
      received = receiver.received;
      url = `${receiver.base}/hooks`;
      expect((await api('POST', '/apps', { name: APP })).status).toBe(201);
    });
    afterAll(async () => {
      await receiver?.close();
      await api('DELETE', `/apps/${APP}`);
    });

    it('adds a webhook, prints its secret, lists and shows it, updates it; a scale reaches the receiver signed with that secret and shows in the deliveries', async () => {
      const added = s.ok(await s.run(['webhooks:add', '-a', APP, '-u', url, '-i', 'api:release,api:formation', '-l', 'notify']));
      const secret = /Webhooks Signing Secret\s*\n\s*([0-9a-f]{64})/.exec(added.stdout)?.[1];
      expect(secret, added.stdout + added.stderr).toBeDefined();
      const list = s.ok(await s.run(['webhooks', '-a', APP])).stdout;
      const id = /([0-9a-f-]{36})/.exec(list)?.[1];
      expect(list).toMatch(new RegExp(`${id}\\s+${url.replace(/[.]/g, '\\.')}\\s+api:release,api:formation\\s+notify`));
      expect(s.ok(await s.run(['webhooks:info', id!, '-a', APP])).stdout).toMatch(/Level:\s+notify/);
      // The stock CLI asks for all three on an update.
      s.ok(await s.run(['webhooks:update', id!, '-a', APP, '-u', url, '-l', 'sync', '-i', 'api:formation']));
      expect(s.ok(await s.run(['webhooks:info', id!, '-a', APP])).stdout).toMatch(/Include:\s+api:formation[\s\S]*Level:\s+sync/);

      s.ok(await s.run(['ps:scale', 'web=1', '-a', APP]));
      const got = await waitFor(() => received.find((r) => r.body.resource === 'formation'), 20_000, 'the formation event at the receiver');
      expect(verifyWebhookSignature(got.raw, secret!, got.signature)).toBe(true);

      const deliveries = await waitFor(async () => {
        const out = s.ok(await s.run(['webhooks:deliveries', '-a', APP])).stdout;
        return /succeeded/.test(out) && out;
      }, 20_000, 'a succeeded delivery in webhooks:deliveries');
      expect(deliveries).toMatch(/succeeded\s+api:formation\s+sync\s+1\s+200/);
      const deliveryId = /([0-9a-f-]{36})/.exec(deliveries)?.[1];
      const info = s.ok(await s.run(['webhooks:deliveries:info', deliveryId!, '-a', APP])).stdout;
      expect(info).toMatch(/Status:\s+succeeded/);
      expect(info).toContain('"resource": "formation"');
      expect(s.ok(await s.run(['webhooks:events', '-a', APP])).stdout).toMatch(/formation\s+update/);

      s.ok(await s.run(['webhooks:remove', id!, '-a', APP]));
      expect(s.ok(await s.run(['webhooks', '-a', APP])).stdout).toContain('has no webhooks');
    });
  });
}
