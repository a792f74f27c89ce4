// An HTTP receiver for app webhooks, started on a free loopback port: it keeps every request it gets
// (path, headers, raw body and the parsed JSON) and answers 200, or the statuses a path was told to
// answer first (a receiver that fails, then recovers).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
  /** The Heroku-Webhook-Hmac-SHA256 header. */
  signature: string;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  base: string;
  received: ReceivedWebhook[];
  /** The next requests to `path` are answered with these statuses, in order; then 200 again. */
  answer(path: string, statuses: number[]): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const scripted = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('error', () => res.destroy());
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      received.push({ path: req.url ?? '', headers: req.headers, raw, body, signature: String(req.headers['heroku-webhook-hmac-sha256']) });
      res.statusCode = scripted.get(req.url ?? '')?.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer: (path, statuses) => void scripted.set(path, [...statuses]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
