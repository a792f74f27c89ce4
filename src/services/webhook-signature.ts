// Heroku's delivery signature: HMAC-SHA256 of the raw request body under the webhook's secret,
// base64, in `Heroku-Webhook-Hmac-SHA256`. Receivers written for Heroku verify Berth's unchanged.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Heroku-Webhook-Hmac-SHA256';

export const signWebhookBody = (body: string | Buffer, secret: string): string =>
  createHmac('sha256', secret).update(body).digest('base64');

/** What a receiver does: recompute and compare in constant time. */
export function verifyWebhookSignature(body: string | Buffer, secret: string, signature: string): boolean {
  const expected = Buffer.from(signWebhookBody(body, secret));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
