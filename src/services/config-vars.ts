// Config vars: a PATCH of changes (null unsets) becomes a new release with the new set.
import { BerthError } from '../domain/errors.js';
import { configKeyChanges } from '../domain/config-diff.js';
import { checkConfigLimits } from '../domain/config-limits.js';
import { validateConfigKey, validateConfigValue, validateSettableConfigKey } from '../domain/names.js';
import type { App, ConfigVars, User } from '../domain/types.js';
import { authorize } from './authorization.js';
import type { ServiceDeps } from './service-deps.js';
import { auditEntry } from './audit-entry.js';

export async function getConfigVars(deps: ServiceDeps, actor: User, appRef: string): Promise<ConfigVars> {
  const app = await authorize(deps.store, actor, appRef, 'deploy');
  return deps.store.config.get(app.id);
}

/**
 * Checks every key and value before anything is written, so a bad entry changes nothing. Keys are
 * tenant data: they live in a Map, never as properties a name like `constructor` could shadow.
 */
function parseChanges(changes: unknown): Map<string, string | null> {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
    throw new BerthError('bad_request', 'Config vars must be a JSON object of KEY: "value" (or null to unset).', 'config_var');
  }
  const parsed = new Map<string, string | null>();
  for (const [key, value] of Object.entries(changes)) {
    // Unsetting only needs a valid key: a PORT stored before it was refused can still be removed.
    parsed.set(value === null ? validateConfigKey(key) : validateSettableConfigKey(key), value === null ? null : validateConfigValue(key, value));
  }
  return parsed;
}

const describe = (set: string[], unset: string[]): string =>
  [set.length ? `Set ${set.join(', ')} config vars` : '', unset.length ? `Remove ${unset.join(', ')} config vars` : '']
    .filter(Boolean).join(' and ');

/** Applied in the app's turn, on the config of that moment: a change made during a deploy lands on its new slug. */
export async function updateConfigVars(deps: ServiceDeps, actor: User, appRef: string, changes: unknown): Promise<ConfigVars> {
  const parsed = parseChanges(changes);
  const app = await authorize(deps.store, actor, appRef, 'deploy');
  const { release, result: config } = await deps.releaseOwner.change(app, actor, 'config-changed', async (tx) => {
    const current = await tx.config.get(app.id);
    const vars = new Map(Object.entries(current));
    const set: string[] = [];
    const unset: string[] = [];
    for (const [key, value] of parsed) {
      if (value === null) {
        if (vars.delete(key)) unset.push(key);
      } else if (vars.get(key) !== value) {
        vars.set(key, value);
        set.push(key);
      }
    }
    // Heroku makes no release when nothing actually changed.
    if (set.length === 0 && unset.length === 0) return { result: current };
    const next: ConfigVars = Object.fromEntries(vars);
    checkConfigLimits(next, current);
    await tx.config.replace(app.id, next);
    await tx.events.append(auditEntry(actor, app, 'config-changed', { ...configKeyChanges(current, next) }));
    return { release: { description: describe(set, unset), config: next }, result: next };
  });
  if (release) deps.appLog?.write(app.id, 'berth', 'api', `${release.description} by ${actor.email}; release v${release.version}`);
  return config;
}

/**
 * Sets each variable the app does not have yet, in the app's turn (app.json defaults and secrets on a
 * first deploy): one set meanwhile, by config:set or an add-on, is never overwritten. Returns the keys set.
 */
export async function addMissingConfigVars(deps: ServiceDeps, actor: User, app: App, values: ReadonlyMap<string, string>, why: string): Promise<string[]> {
  const { release, result: set } = await deps.releaseOwner.change(app, actor, 'config-changed', async (tx) => {
    const current = await tx.config.get(app.id);
    const added = [...values].filter(([key]) => !Object.hasOwn(current, key));
    if (added.length === 0) return { result: [] as string[] };
    const next: ConfigVars = { ...current, ...Object.fromEntries(added) };
    checkConfigLimits(next, current);
    await tx.config.replace(app.id, next);
    const keys = added.map(([key]) => key);
    await tx.events.append(auditEntry(actor, app, 'config-changed', { ...configKeyChanges(current, next) }));
    return { release: { description: `${describe(keys, [])} ${why}`, config: next }, result: keys };
  });
  if (release) deps.appLog?.write(app.id, 'berth', 'api', `${release.description} by ${actor.email}; release v${release.version}`);
  return set;
}
