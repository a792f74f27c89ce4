// Config vars: a PATCH of changes (null unsets) becomes a new release with the new set.
import { BerthError } from '../domain/errors.js';
import { checkConfigLimits } from '../domain/config-limits.js';
import { validateConfigKey, validateConfigValue, validateSettableConfigKey } from '../domain/names.js';
import type { ConfigVars, User } from '../domain/types.js';
import { appForActor } from './access.js';
import { recordRelease } from './releases.js';
import type { ServiceDeps } from './service-deps.js';

export async function getConfigVars(deps: ServiceDeps, actor: User, appRef: string): Promise<ConfigVars> {
  const app = await appForActor(deps.store, actor, appRef);
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

export async function updateConfigVars(deps: ServiceDeps, actor: User, appRef: string, changes: unknown): Promise<ConfigVars> {
  const parsed = parseChanges(changes);
  const app = await appForActor(deps.store, actor, appRef);
  const result = await deps.store.transaction(async (tx) => {
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
    if (set.length === 0 && unset.length === 0) return { config: current, release: undefined };
    const next: ConfigVars = Object.fromEntries(vars);
    checkConfigLimits(next, current);
    await tx.config.replace(app.id, next);
    const release = await recordRelease(tx, app, actor, { description: describe(set, unset), config: next });
    await tx.events.append({ actorId: actor.id, appId: app.id, action: 'config-changed', data: { set, unset } });
    return { config: next, release };
  });
  if (result.release) {
    deps.appLog?.write(app.id, 'berth', 'api', `${result.release.description} by ${actor.email}; release v${result.release.version}`);
    deps.events.emit({ type: 'app-changed', appId: app.id, reason: 'config-changed' });
  }
  return result.config;
}
