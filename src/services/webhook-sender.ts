// The one HTTP call a delivery attempt makes: POST the body, wait a bounded time for the answer.
// Redirects are not followed (undici's default): the receiver is the URL the user gave.
import { Agent, request } from 'undici';
import type { OutboundPolicy } from '../platform/outbound-policy.js';

/** What came back: the receiver's status, or why there was none. */
export type SendResult = { code: number } | { errorClass: string };

export interface WebhookSender {
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<SendResult>;
}

/** How much of a receiver's answer is read before the connection is let go: only its status matters. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** POSTs over HTTP(S) to the addresses `outbound` allows; any other is refused as EADDRNOTALLOWED. */
export function httpWebhookSender(outbound: OutboundPolicy): WebhookSender {
  const dispatcher = new Agent({ connect: { lookup: outbound.lookup } });
  return { post: (url, headers, body, timeoutMs) => post(dispatcher, outbound, url, headers, body, timeoutMs) };
}

async function post(dispatcher: Agent, outbound: OutboundPolicy, url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<SendResult> {
  try {
    outbound.checkHost(new URL(url).hostname);
    const res = await request(url, {
      method: 'POST', headers, body, dispatcher,
      // The whole exchange, not only the connect: a receiver that trickles its answer is cut off too.
      signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
    });
    let read = 0;
    for await (const chunk of res.body) {
      read += (chunk as Buffer).length;
      if (read > MAX_ANSWER_BYTES) break;
    }
    if (read > MAX_ANSWER_BYTES) res.body.destroy();
    return { code: res.statusCode };
  } catch (e) {
    return { errorClass: errorClassOf(e) };
  }
}

function errorClassOf(e: unknown): string {
  const err = e as { name?: string; code?: string; cause?: { code?: string } };
  if (err.name === 'TimeoutError' || err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  return err.code ?? err.cause?.code ?? err.name ?? 'error';
}
