// Delivers stored webhook deliveries: whatever is due, a few at a time and at most one per
// webhook (so a receiver sees its events in order, and a slow one holds one slot, never the
// platform), each attempt bounded by a timeout, signed, and recorded. A failed `sync` delivery is
// tried again with backoff, up to a number of attempts and an age; `notify` gets one attempt.
// Everything it knows is in the store, so a restarted server picks up where the last one stopped.
import type { MetricsRecorder } from '../domain/metric-samples.js';
import type { WebhookDeliveryStatus } from '../domain/webhooks.js';
import { isoNow, type Clock } from '../platform/clock.js';
import { newId } from '../platform/ids.js';
import type { Logger } from '../platform/logger.js';
import { ADDRESS_NOT_ALLOWED } from '../platform/outbound-policy.js';
import type { Store } from '../store/store.js';
import type { WebhookAttempt, WebhookDelivery } from '../store/webhook-repo.js';
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.js';
import type { SendResult, WebhookSender } from './webhook-sender.js';
import type { SecretSealer } from './webhooks.js';

/** After the 1st, 2nd… failed attempt of a `sync` delivery; one attempt more than delays in all. */
export const DEFAULT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000];
/** A delivery older than this is not tried again, however few attempts it had (a long outage). */
export const DEFAULT_MAX_AGE_MS = 24 * 3600_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Events and their deliveries are kept this long for `webhooks:deliveries`, then forgotten. */
export const HISTORY_MS = 7 * 24 * 3600_000;

const IDLE_LOOK_MS = 60_000;
const RETRY_LOOK_MS = 1000;
const PRUNE_EVERY_MS = 3600_000;

export interface WebhookDispatcherDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  secrets: SecretSealer;
  sender: WebhookSender;
  /** Attempts in flight at once, across all webhooks. */
  concurrency?: number;
  timeoutMs?: number;
  retryDelaysMs?: readonly number[];
  maxAgeMs?: number;
  /** Where each attempt's result is counted (Prometheus). */
  metrics?: MetricsRecorder;
}

export class WebhookDispatcher {
  private readonly inFlight = new Map<string, string>(); // delivery id → webhook id
  private nap?: AbortController;
  private woken = false;
  private lastPrune = 0;

  constructor(private readonly deps: WebhookDispatcherDeps) {}

  /** Looks for due deliveries now instead of at its next planned look. */
  wake(): void {
    this.woken = true;
    this.nap?.abort();
  }

  /** Runs until `signal` aborts; attempts under way finish (each is bounded by its timeout). */
  async start(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.woken = false;
      try {
        await this.sendDue();
        await this.prune();
      } catch (e) {
        this.deps.logger.error('webhook-dispatch-failed', { error: e instanceof Error ? e.stack ?? e.message : String(e) });
      }
      if (this.woken) continue;
      await this.sleep(await this.untilNextLook(), signal);
    }
  }

  private async sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.nap = new AbortController();
    const onStop = () => this.nap?.abort();
    signal.addEventListener('abort', onStop, { once: true });
    await this.deps.clock.sleep(ms, this.nap.signal).catch(() => undefined);
    signal.removeEventListener('abort', onStop);
  }

  private async untilNextLook(): Promise<number> {
    const next = await this.deps.store.webhooks.nextDue();
    if (next === undefined) return IDLE_LOOK_MS;
    const wait = Date.parse(next) - this.deps.clock.now();
    if (wait > 0) return Math.min(IDLE_LOOK_MS, wait);
    // Due but not started: its webhook (or every slot) is busy, and that attempt's end wakes the loop.
    // With nothing in flight the look itself failed; try again shortly rather than spin.
    return this.inFlight.size > 0 ? IDLE_LOOK_MS : RETRY_LOOK_MS;
  }

  private async sendDue(): Promise<void> {
    const limit = this.deps.concurrency ?? 4;
    const free = limit - this.inFlight.size;
    if (free <= 0) return;
    const due = await this.deps.store.webhooks.due(isoNow(this.deps.clock), limit * 8);
    const busyWebhooks = new Set(this.inFlight.values());
    let started = 0;
    for (const d of due) {
      if (started >= free) break;
      if (this.inFlight.has(d.id) || busyWebhooks.has(d.webhookId)) continue;
      busyWebhooks.add(d.webhookId);
      this.inFlight.set(d.id, d.webhookId);
      started++;
      void this.attempt(d)
        .catch((e: unknown) => this.deps.logger.error('webhook-attempt-not-recorded', { delivery: d.id, error: e instanceof Error ? e.stack ?? e.message : String(e) }))
        .finally(() => {
          this.inFlight.delete(d.id);
          this.wake();
        });
    }
  }

  private async attempt(d: WebhookDelivery): Promise<void> {
    const { store, clock, secrets, sender } = this.deps;
    const webhook = await store.webhooks.byId(d.appId, d.webhookId);
    const event = await store.webhooks.eventById(d.appId, d.eventId);
    if (!webhook || !event) return; // removed meanwhile: its deliveries went with it
    const attemptId = newId();
    const body = JSON.stringify({
      ...event.payload,
      webhook_metadata: { attempt: { id: attemptId }, delivery: { id: d.id }, event: { id: event.id, include: event.include }, webhook: { id: webhook.id } },
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Berth-Webhooks',
      [SIGNATURE_HEADER.toLowerCase()]: signWebhookBody(body, secrets.open(webhook.sealedSecret)),
      'heroku-webhook-id': d.id,
      'heroku-webhook-sent-at': isoNow(clock),
      ...(webhook.sealedAuthorization ? { authorization: secrets.open(webhook.sealedAuthorization) } : {}),
    };
    const startedAt = isoNow(clock);
    const result = await sender.post(webhook.url, headers, body, this.deps.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const ok = 'code' in result && result.code >= 200 && result.code < 300;
    const attempt: WebhookAttempt = {
      id: attemptId, code: 'code' in result ? result.code : null, errorClass: 'errorClass' in result ? result.errorClass : null,
      status: ok ? 'succeeded' : 'failed', createdAt: startedAt,
    };
    const next = ok ? { status: 'succeeded' as const, nextAttemptAt: null } : this.afterFailure(d, result);
    await store.webhooks.recordAttempt(d.id, attempt, next);
    this.deps.metrics?.platform({ kind: 'webhook-attempt', appId: d.appId, at: clock.now(), result: next.status });
    if (!ok) this.deps.logger.warn('webhook-attempt-failed', { app: d.appId, webhook: webhook.id, delivery: d.id, attempt: d.numAttempts + 1, ...result, next: next.status });
  }

  /** What a failed attempt leads to: another one later (sync, within its attempts and age), or giving up. */
  private afterFailure(d: WebhookDelivery, result: SendResult): { status: Extract<WebhookDeliveryStatus, 'retrying' | 'failed'>; nextAttemptAt: string | null } {
    // An address Berth may not reach stays so: trying again would only count more refusals.
    const refused = 'errorClass' in result && result.errorClass === ADDRESS_NOT_ALLOWED;
    if (d.level === 'notify' || refused) return { status: 'failed', nextAttemptAt: null };
    const delays = this.deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const attempts = d.numAttempts + 1;
    const delay = delays[attempts - 1];
    const at = this.deps.clock.now() + (delay ?? 0);
    const tooOld = at - Date.parse(d.createdAt) > (this.deps.maxAgeMs ?? DEFAULT_MAX_AGE_MS);
    if (delay === undefined || tooOld) return { status: 'failed', nextAttemptAt: null };
    return { status: 'retrying', nextAttemptAt: new Date(at).toISOString() };
  }

  private async prune(): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const gone = await this.deps.store.webhooks.pruneBefore(new Date(now - HISTORY_MS).toISOString());
    if (gone > 0) this.deps.logger.info('webhook-history-pruned', { events: gone });
  }
}
