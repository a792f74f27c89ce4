// Formation: how many instances of each process type, and what size, the app should run.
import { BerthError } from '../domain/errors.js';
import { validateProcessType } from '../domain/names.js';
import { commandOf } from '../domain/process-types.js';
import { DEFAULT_SIZE, findSize, INSTANCE_SIZES } from '../domain/sizes.js';
import type { App, FormationEntry, ProcessTypes, User } from '../domain/types.js';
import type { Repos } from '../store/store.js';
import { authorize } from './authorization.js';
import { checkFormationQuota, teamUseOfApp } from './team-quotas.js';
import type { ServiceDeps } from './service-deps.js';
import { auditEntry } from './audit-entry.js';

export const MAX_QUANTITY = 100;

export interface FormationView extends FormationEntry {
  command: string;
}

export interface FormationUpdate {
  type: unknown;
  quantity?: unknown;
  size?: unknown;
}

async function processTypesOf(repos: Pick<Repos, 'releases' | 'slugs'>, app: App): Promise<ProcessTypes | undefined> {
  const release = await repos.releases.current(app.id);
  const slug = release?.slugId ? await repos.slugs.byId(release.slugId) : undefined;
  return slug?.processTypes;
}

const withCommand = (entries: FormationEntry[], types: ProcessTypes | undefined): FormationView[] =>
  entries.map((e) => ({ ...e, command: commandOf(types, e.type) ?? '' }));

export async function listFormation(deps: ServiceDeps, actor: User, appRef: string): Promise<{ app: App; formation: FormationView[] }> {
  const app = await authorize(deps.store, actor, appRef, 'view');
  return { app, formation: withCommand(await deps.store.formation.list(app.id), await processTypesOf(deps.store, app)) };
}

export async function getFormation(deps: ServiceDeps, actor: User, appRef: string, type: string): Promise<{ app: App; formation: FormationView }> {
  const { app, formation } = await listFormation(deps, actor, appRef);
  const entry = formation.find((f) => f.type === type);
  if (!entry) throw new BerthError('formation_not_found', `Couldn't find that process type (${type}).`, 'formation');
  return { app, formation: entry };
}

function checkUpdate(u: FormationUpdate, types: ProcessTypes | undefined, currentQuantity: number): { type: string; quantity?: number; size?: string } {
  const type = validateProcessType(u.type);
  // Before the first deploy any valid type may be scaled (desired state waits for a slug);
  // afterwards only the types the slug defines, as on Heroku.
  if (types && commandOf(types, type) === undefined) {
    throw new BerthError('formation_not_found', `Couldn't find that process type (${type}). The current release defines: ${Object.keys(types).join(', ') || 'none'}.`, 'formation');
  }
  const out: { type: string; quantity?: number; size?: string } = { type };
  if (u.quantity !== undefined) {
    const q = parseQuantity(u.quantity, currentQuantity);
    if (typeof q !== 'number' || !Number.isInteger(q) || q < 0 || q > MAX_QUANTITY) {
      throw new BerthError('invalid_params', `Quantity for ${type} must be a whole number from 0 to ${MAX_QUANTITY}.`, 'formation');
    }
    out.quantity = q;
  }
  if (u.size !== undefined) {
    const size = typeof u.size === 'string' ? findSize(u.size) : undefined;
    if (!size) {
      throw new BerthError('invalid_params', `Unknown size ${JSON.stringify(u.size)}. Sizes: ${INSTANCE_SIZES.map((s) => s.name).join(', ')}.`, 'formation');
    }
    out.size = size.name;
  }
  return out;
}

/** A number, a numeric string ("2", as the heroku CLI sends it), or a relative "+1" / "-1". */
function parseQuantity(raw: unknown, current: number): unknown {
  if (typeof raw !== 'string') return raw;
  const m = /^([+-]?)(\d{1,4})$/.exec(raw.trim());
  if (!m) return raw;
  const n = Number(m[2]);
  return m[1] === '+' ? current + n : m[1] === '-' ? current - n : n;
}

/** Applies a batch of updates atomically: one bad entry and none are applied. */
export async function updateFormation(deps: ServiceDeps, actor: User, appRef: string, updates: unknown): Promise<{ app: App; formation: FormationView[] }> {
  if (!Array.isArray(updates) || updates.length === 0) {
    throw new BerthError('bad_request', 'Expected {"updates": [{"type": "web", "quantity": 1, "size": "standard-1x"}, …]}.', 'formation');
  }
  const app = await authorize(deps.store, actor, appRef, 'operate');
  const changed = await deps.store.transaction(async (tx) => {
    const types = await processTypesOf(tx, app);
    const teamBefore = deps.teams && (await teamUseOfApp(deps.teams, tx, app));
    const listed = await tx.formation.list(app.id);
    const current = new Map(listed.map((f) => [f.type, f.quantity]));
    const sizes = new Map(listed.map((f) => [f.type, f.size]));
    const checked = (updates as FormationUpdate[]).map((u) => {
      const update = typeof u === 'object' && u ? u : { type: undefined };
      return checkUpdate(update, types, current.get(String(update.type)) ?? 0);
    });
    const out: FormationEntry[] = [];
    for (const c of checked) {
      out.push(await tx.formation.upsert(app.id, c.type, { quantity: c.quantity, size: c.size ?? (await tx.formation.get(app.id, c.type))?.size ?? DEFAULT_SIZE }));
    }
    // Refused after the writes, inside the transaction: the check sees the new formation, and a refusal rolls it back.
    if (deps.teams) await checkFormationQuota(deps.teams, tx, app, teamBefore);
    // Before → after: the quantities the changed types had, beside the updates.
    const before = Object.fromEntries(checked.map((c) => [c.type, current.get(c.type) ?? 0]));
    await tx.events.append(auditEntry(actor, app, 'formation-changed', { updates: checked, before }));
    return { entries: out, types, before: Object.fromEntries(checked.map((c) => [c.type, { quantity: current.get(c.type) ?? 0, size: sizes.get(c.type) ?? DEFAULT_SIZE }])) };
  });
  const summary = changed.entries.map((e) => `${e.type}=${e.quantity}:${e.size}`).join(' ');
  deps.appLog?.write(app.id, 'berth', 'api', `Scaled to ${summary} by ${actor.email}`);
  deps.events.emit({ type: 'formation-changed', appId: app.id, actorId: actor.id, types: changed.entries.map((e) => e.type), before: changed.before });
  deps.events.emit({ type: 'app-changed', appId: app.id, reason: 'formation-changed' });
  return { app, formation: withCommand(changed.entries, changed.types) };
}
