// What Heroku's data APIs (`api.data.heroku.com`) tell the heroku CLI about one database, built
// from the broker's status: `pg:info` reads `info` rows, `redis:cli` reads `resource_url` and
// `plan` to decide how to connect. The CLI sends these requests to HEROKU_DATA_HOST on the API's
// own port and protocol, so Berth serves them from its API.
import type { InstanceStatus } from '../addons/broker.js';
import type { Addon } from '../domain/addon.js';
import { BerthError } from '../domain/errors.js';
import type { User } from '../domain/types.js';
import type { AddonDeps } from './addon-deps.js';
import { addonForActor } from './addon-access.js';
import { configVarOf } from './addon-attachments.js';

export interface DataInfoRow {
  name: string;
  values: string[];
}

export interface DatabaseInfo {
  addon: Addon;
  /** The plan without its service: `dev`. */
  plan: string;
  /** The connection URL the owning app holds (the first attached app's when the owner has none). */
  resourceUrl: string;
  status: InstanceStatus;
  info: DataInfoRow[];
}

const STATUS: Readonly<Record<InstanceStatus['state'], string>> = {
  up: 'Available', starting: 'Starting', down: 'Unavailable (server not running)', missing: 'Unavailable (no such instance)',
};

/** `data size` → `Data Size`: broker detail keys as Heroku's row names. */
const rowName = (key: string) => key.replace(/\b\w/g, (c) => c.toUpperCase());

/** Details the CLI prints already (host and port are in the URL), or that the plan row repeats. */
const HIDDEN = new Set(['plan', 'host', 'port']);

/** The add-on `ref` (id or name) of `service`, with its status and the rows Heroku's data APIs show. */
export async function databaseInfo(deps: AddonDeps, actor: User, ref: string, service: 'postgresql' | 'redis'): Promise<DatabaseInfo> {
  const addon = await addonForActor(deps.store, actor, ref, 'view');
  if (addon.service !== service) throw new BerthError('addon_not_found', `${addon.name} is not a ${service} add-on.`, 'add_on');
  const status = await deps.brokers.forService(addon.service).status(addon.id);
  const plan = addon.plan.replace(/^[^:]*:/, '');
  const info: DataInfoRow[] = [
    { name: 'Plan', values: [plan] },
    { name: 'Status', values: [STATUS[status.state]] },
    ...Object.entries(status.details).filter(([k]) => !HIDDEN.has(k)).map(([k, v]) => ({ name: rowName(k), values: [v] })),
    { name: 'Restarts', values: [String(status.restarts)] },
    { name: 'Created', values: [addon.createdAt] },
  ];
  return { addon, plan, resourceUrl: await resourceUrl(deps, addon), status, info };
}

async function resourceUrl(deps: AddonDeps, addon: Addon): Promise<string> {
  const attachments = await deps.store.addons.attachments({ addonId: addon.id });
  const ordered = [...attachments.filter((a) => a.appId === addon.appId), ...attachments.filter((a) => a.appId !== addon.appId)];
  for (const a of ordered) {
    const url = (await deps.store.config.get(a.appId))[configVarOf(a.name)];
    if (url) return url;
  }
  return '';
}
