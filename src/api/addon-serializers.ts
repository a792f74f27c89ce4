// Add-ons, attachments and backups → Heroku Platform API v3 shapes (plus Berth's `berth_status`).
import { backupLabel, type Addon, type AddonAttachment, type AddonBackup } from '../domain/addon.js';
import type { App } from '../domain/types.js';
import type { DatabaseInfo } from '../services/addon-data-info.js';
import type { AddonView } from '../services/addons.js';

type AppRef = Pick<App, 'id' | 'name'>;

/** Stable ids for the catalogue entries Heroku's clients expect as objects. */
const serviceId = (service: string) => `00000000-0000-4000-8000-${Buffer.from(service.padEnd(6, '_').slice(0, 6)).toString('hex')}`;
const planId = (plan: string) => `00000000-0000-4000-9000-${Buffer.from(plan.replace(/^[^:]*:/, '').padEnd(6, '_').slice(0, 6)).toString('hex')}`;

const FREE = { cents: 0, contract: false, unit: 'month' } as const;

export function addonJson(v: AddonView, names: Map<string, string>, status?: { state: string; restarts: number; details: Record<string, string> }) {
  const { addon } = v;
  return {
    id: addon.id,
    name: addon.name,
    app: { id: v.app.id, name: v.app.name },
    addon_service: { id: serviceId(addon.service), name: addon.service },
    // Self-hosted add-ons cost nothing: the heroku CLI prints a zero price as `free` (null as `$NaN`).
    plan: { id: planId(addon.plan), name: addon.plan, price: FREE },
    config_vars: v.attachments.filter((a) => a.appId === addon.appId).map((a) => `${a.name}_URL`),
    state: addon.state,
    created_at: addon.createdAt,
    updated_at: addon.updatedAt,
    provider_id: addon.id,
    web_url: null,
    billed_price: FREE,
    billing_entity: { id: v.app.id, name: v.app.name, type: 'app' },
    actions: [],
    attachments: v.attachments.map((a) => ({ id: a.id, name: a.name, app: { id: a.appId, name: names.get(a.appId) ?? null } })),
    ...(status ? { berth_status: status } : {}),
  };
}

export function attachmentJson(a: AddonAttachment, addon: Addon, owner: AppRef | undefined, app: AppRef) {
  return {
    id: a.id,
    name: a.name,
    // The plan is Heroku's `Accept-Inclusion: addon:plan`; the CLI's database resolver reads it always.
    addon: {
      id: addon.id,
      name: addon.name,
      app: owner ? { id: owner.id, name: owner.name } : { id: addon.appId, name: null },
      plan: { id: planId(addon.plan), name: addon.plan },
    },
    addon_service: { id: serviceId(addon.service), name: addon.service },
    app: { id: app.id, name: app.name },
    config_vars: [`${a.name}_URL`],
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    web_url: null,
    log_input_url: null,
    namespace: null,
  };
}

export function backupJson(b: AddonBackup, addon: Addon, app: AppRef) {
  return {
    id: b.id,
    num: b.num,
    name: backupLabel(b.num),
    status: b.status,
    size_bytes: b.sizeBytes,
    created_at: b.createdAt,
    finished_at: b.finishedAt,
    addon: { id: addon.id, name: addon.name },
    app: { id: app.id, name: app.name },
  };
}

/** `GET /client/v11/databases/{id}` on Heroku's data API host, as `pg:info` reads it. */
export function postgresDatabaseJson(d: DatabaseInfo) {
  return {
    addon_id: d.addon.id,
    name: d.addon.name,
    plan: d.plan,
    resource_url: d.resourceUrl,
    available: d.status.state === 'up',
    info: d.info,
    created_at: d.addon.createdAt,
  };
}

/**
 * `GET /redis/v0/databases/{id|name}`, as `redis:cli` and `redis:info` read it. Berth's Redis
 * speaks plain TCP only; the CLI connects without TLS (and to the URL's own port) only for a
 * plan starting `hobby` with `prefer_native_tls` false, so the plan is reported as `hobby-<plan>`.
 */
export function redisDatabaseJson(d: DatabaseInfo) {
  return {
    addon_id: d.addon.id,
    name: d.addon.name,
    plan: `hobby-${d.plan}`,
    prefer_native_tls: false,
    resource_url: d.resourceUrl,
    info: d.info,
    created_at: d.addon.createdAt,
  };
}
