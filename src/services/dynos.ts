// Dynos (instances) as the API shows them. The health manager knows their states; it is passed
// in as a DynoDirectory so that services and api do not depend on health.
import { BerthError } from '../domain/errors.js';
import { validateDynoName } from '../domain/names.js';
import type { User } from '../domain/types.js';
import { authorize } from './authorization.js';
import type { DynoDirectory } from './dyno-directory.js';
import type { ServiceDeps } from './service-deps.js';
import { auditEntry } from './audit-entry.js';

export type { DynoDirectory, DynoState, DynoView } from './dyno-directory.js';

function directory(deps: ServiceDeps): DynoDirectory {
  if (!deps.dynos) throw new BerthError('not_implemented', 'This Berth process runs no instances (started without a runtime).');
  return deps.dynos;
}

/** The formation's instances and the app's one-off dynos (`run.N`), as Heroku lists both. */
export async function listDynos(deps: ServiceDeps, actor: User, appRef: string) {
  const app = await authorize(deps.store, actor, appRef, 'view');
  return { app, dynos: [...await directory(deps).list(app.id), ...(deps.oneOffs?.list(app.id) ?? [])] };
}

/**
 * Restarts formation dynos; a one-off (`run.N`, or `run` for all of them) is stopped for good
 * instead, as on Heroku, since nothing would start it again.
 */
export async function restartDynos(deps: ServiceDeps, actor: User, appRef: string, name?: string): Promise<void> {
  if (name !== undefined) validateDynoName(name);
  const app = await authorize(deps.store, actor, appRef, 'operate');
  if (name && deps.oneOffs && isOneOffName(name)) {
    const count = deps.oneOffs.stop(app.id, name, `stopped by ${actor.email}`);
    if (count === 0 && name !== 'run' && name !== 'scheduler') throw new BerthError('dyno_not_found', `Couldn't find the dyno ${name} of ${app.name}.`, 'dyno');
    deps.appLog?.write(app.id, 'berth', 'api', `Stopping ${name === 'run' ? 'all one-off dynos' : name === 'scheduler' ? 'all scheduled runs' : name} by ${actor.email}`);
    await deps.store.events.append(auditEntry(actor, app, 'dynos-stopped', { name }));
    return;
  }
  const count = await directory(deps).restart(app.id, name);
  if (name && count === 0) throw new BerthError('dyno_not_found', `Couldn't find the dyno ${name} of ${app.name}.`, 'dyno');
  deps.appLog?.write(app.id, 'berth', 'api', `Restart ${name ?? 'all dynos'} by ${actor.email}`);
  await deps.store.events.append(auditEntry(actor, app, 'dynos-restarted', { name: name ?? null }));
}

const isOneOffName = (name: string): boolean => /^(run|scheduler)(\.\d+)?$/.test(name);
