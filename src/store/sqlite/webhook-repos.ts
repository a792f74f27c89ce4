// App webhooks on SQLite (migration: webhooks, webhook_events, webhook_deliveries).
import type Database from 'better-sqlite3';
import type { WebhookDeliveryStatus, WebhookInclude, WebhookLevel, WebhookPayload } from '../../domain/webhooks.js';
import type { WebhookAttempt, WebhookDelivery, WebhookEvent, Webhook, WebhookRepo } from '../webhook-repo.js';
import type { RepoContext } from './repo-context.js';

type Row = Record<string, unknown>;

const toWebhook = (r: Row): Webhook => ({
  id: r.id as string,
  appId: r.app_id as string,
  url: r.url as string,
  include: JSON.parse(r.include as string) as WebhookInclude[],
  level: r.level as WebhookLevel,
  sealedSecret: r.sealed_secret as string,
  sealedAuthorization: (r.sealed_authorization as string | null) ?? null,
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

const toEvent = (r: Row): WebhookEvent => ({
  id: r.id as string,
  appId: r.app_id as string,
  include: r.include as WebhookInclude,
  payload: JSON.parse(r.payload as string) as WebhookPayload,
  createdAt: r.created_at as string,
});

const toDelivery = (r: Row): WebhookDelivery => ({
  id: r.id as string,
  seq: r.seq as number,
  appId: r.app_id as string,
  webhookId: r.webhook_id as string,
  level: r.level as WebhookLevel,
  eventId: r.event_id as string,
  eventInclude: r.event_include as WebhookInclude,
  status: r.status as WebhookDeliveryStatus,
  numAttempts: r.num_attempts as number,
  nextAttemptAt: (r.next_attempt_at as string | null) ?? null,
  lastAttempt: r.last_attempt ? (JSON.parse(r.last_attempt as string) as WebhookAttempt) : null,
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

// The rowid grows with each insert: the order deliveries were recorded in, whatever their timestamps.
const DELIVERY_SELECT = `SELECT d.*, d.rowid AS seq, w.level AS level, e.include AS event_include
  FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_events e ON e.id = d.event_id`;

export function sqliteWebhooks(db: Database.Database, ctx: RepoContext): WebhookRepo {
  const byId = (appId: string, id: string) => {
    const r = db.prepare('SELECT * FROM webhooks WHERE app_id = ? AND id = ?').get(appId, id) as Row | undefined;
    return r && toWebhook(r);
  };
  const deliveryById = (id: string) => {
    const r = db.prepare(`${DELIVERY_SELECT} WHERE d.id = ?`).get(id) as Row | undefined;
    return r && toDelivery(r);
  };
  return {
    async create(input) {
      const id = ctx.newId();
      const now = ctx.now();
      db.prepare(`INSERT INTO webhooks (id, app_id, url, include, level, sealed_secret, sealed_authorization, created_at, updated_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(id, input.appId, input.url, JSON.stringify(input.include), input.level, input.sealedSecret, input.sealedAuthorization, now, now);
      return byId(input.appId, id)!;
    },
    async byId(appId, id) {
      return byId(appId, id);
    },
    async list(appId) {
      return (db.prepare('SELECT * FROM webhooks WHERE app_id = ? ORDER BY created_at, rowid').all(appId) as Row[]).map(toWebhook);
    },
    async update(appId, id, changes) {
      const current = byId(appId, id);
      if (!current) return undefined;
      const next = { ...current, ...changes };
      db.prepare(`UPDATE webhooks SET url = ?, include = ?, level = ?, sealed_secret = ?, sealed_authorization = ?, updated_at = ? WHERE id = ?`)
        .run(next.url, JSON.stringify(next.include), next.level, next.sealedSecret, next.sealedAuthorization, ctx.now(), id);
      return byId(appId, id);
    },
    async delete(appId, id) {
      return db.prepare('DELETE FROM webhooks WHERE app_id = ? AND id = ?').run(appId, id).changes > 0;
    },
    async publish(event, webhooks, dueAt) {
      const now = ctx.now();
      db.prepare('INSERT INTO webhook_events (id, app_id, include, payload, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(event.id, event.appId, event.include, JSON.stringify(event.payload), now);
      const insert = db.prepare(`INSERT INTO webhook_deliveries (id, app_id, webhook_id, event_id, status, num_attempts, next_attempt_at, created_at, updated_at)
                                 VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`);
      return webhooks.map((w) => {
        const id = ctx.newId();
        insert.run(id, event.appId, w.id, event.id, dueAt, now, now);
        return deliveryById(id)!;
      });
    },
    async events(appId) {
      return (db.prepare('SELECT * FROM webhook_events WHERE app_id = ? ORDER BY created_at, rowid').all(appId) as Row[]).map(toEvent);
    },
    async eventById(appId, id) {
      const r = db.prepare('SELECT * FROM webhook_events WHERE app_id = ? AND id = ?').get(appId, id) as Row | undefined;
      return r && toEvent(r);
    },
    async deliveries(appId, filter = {}) {
      const status = filter.status ? ' AND d.status = ?' : '';
      const args: unknown[] = [appId, ...(filter.status ? [filter.status] : []), filter.limit ?? 1000];
      return (db.prepare(`${DELIVERY_SELECT} WHERE d.app_id = ?${status} ORDER BY d.rowid DESC LIMIT ?`).all(...args) as Row[]).map(toDelivery);
    },
    async deliveryById(appId, id) {
      const d = deliveryById(id);
      return d && d.appId === appId ? d : undefined;
    },
    async due(now, limit) {
      return (db.prepare(`${DELIVERY_SELECT} WHERE d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= ? AND d.status IN ('pending', 'retrying')
                          ORDER BY d.next_attempt_at, d.rowid LIMIT ?`).all(now, limit) as Row[]).map(toDelivery);
    },
    async nextDue() {
      const r = db.prepare(`SELECT MIN(next_attempt_at) AS t FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL AND status IN ('pending', 'retrying')`).get() as { t: string | null };
      return r.t ?? undefined;
    },
    async recordAttempt(deliveryId, attempt, next) {
      db.prepare(`UPDATE webhook_deliveries SET num_attempts = num_attempts + 1, last_attempt = ?, status = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`)
        .run(JSON.stringify(attempt), next.status, next.nextAttemptAt, ctx.now(), deliveryId);
      return deliveryById(deliveryId);
    },
    async pruneBefore(before) {
      return db.prepare('DELETE FROM webhook_events WHERE created_at < ?').run(before).changes;
    },
  };
}
