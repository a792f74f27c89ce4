// App lifecycle use cases: create, list, rename, maintenance, destroy.
import { generateAppName } from '../domain/app-name-generator.js';
import { herokuBuildpackNames } from '../build/detect.js';
import { BerthError } from '../domain/errors.js';
import { validateAppName } from '../domain/names.js';
import type { App, User } from '../domain/types.js';
import { APP_PERMISSIONS } from '../domain/app-permissions.js';
import { authorize, visibleApps } from './authorization.js';
import { teamTakingApps } from './teams.js';
import type { ServiceDeps } from './service-deps.js';
import { auditEntry } from './audit-entry.js';

/**
 * Berth has one stack, so an app can only ask for that one: anything else is refused by name rather
 * than accepted and ignored (`heroku stack:set` used to print "done" and change nothing).
 */
function checkStack(deps: ServiceDeps, stack: unknown): void {
  if (stack !== undefined && stack !== null && stack !== deps.defaultStack) {
    throw new BerthError('invalid_params', `Unknown stack ${JSON.stringify(stack)}. Available: ${deps.defaultStack}.`, 'stack');
  }
}

/** `team` makes a team app: its admins and members may create one (not its viewers). */
export async function createApp(deps: ServiceDeps, actor: User, input: { name?: unknown; stack?: unknown; team?: unknown }): Promise<App> {
  checkStack(deps, input.stack);
  const team = input.team === undefined || input.team === null ? undefined : await teamTakingApps(deps.store, actor, String(input.team));
  const name = input.name === undefined || input.name === null ? await freeGeneratedName(deps) : validateAppName(input.name);
  const app = await deps.store.transaction(async (tx) => {
    const created = await tx.apps.create({ name, ownerId: actor.id, stack: deps.defaultStack, teamId: team?.team.id ?? null });
    // A member who creates a team app may do everything on it, as on Heroku.
    if (team?.role === 'member') await tx.collaborators.set(created.id, actor.id, [...APP_PERMISSIONS]);
    await tx.events.append(auditEntry(actor, created, 'app-created', { name }));
    return created;
  });
  deps.logger.info('app-created', { app: name, by: actor.email });
  // Routed at once (H14 until it has a web dyno), not only at the health manager's next resync.
  deps.events.emit({ type: 'app-changed', appId: app.id, reason: 'app-created' });
  return app;
}

async function freeGeneratedName(deps: ServiceDeps): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const candidate = generateAppName(Math.random);
    if (!(await deps.store.apps.byName(candidate))) return candidate;
  }
  throw new BerthError('conflict', 'Could not find a free app name; please choose one.', 'app');
}

/** The apps the actor can see: their own, their teams', those they collaborate on; every app for the admin. */
export async function listApps(deps: ServiceDeps, actor: User): Promise<App[]> {
  return visibleApps(deps.store, actor);
}

export const getApp = (deps: ServiceDeps, actor: User, idOrName: string): Promise<App> => authorize(deps.store, actor, idOrName, 'view');

export async function updateApp(deps: ServiceDeps, actor: User, idOrName: string, input: { name?: unknown; maintenance?: unknown; buildStack?: unknown }): Promise<App> {
  checkStack(deps, input.buildStack);
  // Renaming is manage (it moves the app's URL and git remote); maintenance mode is operate.
  const app = await authorize(deps.store, actor, idOrName, input.name !== undefined ? 'manage' : 'operate');
  if (input.name !== undefined && input.maintenance !== undefined) await authorize(deps.store, actor, idOrName, 'operate');
  const changes: Partial<Pick<App, 'name' | 'maintenance'>> = {};
  if (input.name !== undefined) changes.name = validateAppName(input.name);
  if (input.maintenance !== undefined) {
    if (typeof input.maintenance !== 'boolean') throw new BerthError('invalid_params', 'maintenance must be true or false.', 'app');
    changes.maintenance = input.maintenance;
  }
  const updated = await deps.store.transaction(async (tx) => {
    const next = await tx.apps.update(app.id, changes);
    if (changes.name && changes.name !== app.name) {
      await tx.events.append(auditEntry(actor, app, 'app-renamed', { from: app.name, to: changes.name }));
    }
    if (changes.maintenance !== undefined && changes.maintenance !== app.maintenance) {
      await tx.events.append(auditEntry(actor, app, changes.maintenance ? 'maintenance-on' : 'maintenance-off', {}));
    }
    return next;
  });
  if (changes.maintenance !== undefined && changes.maintenance !== app.maintenance) {
    deps.appLog?.write(app.id, 'berth', 'api', `Maintenance mode ${changes.maintenance ? 'enabled' : 'disabled'} by ${actor.email}`);
  }
  deps.events.emit({ type: 'app-changed', appId: app.id, reason: 'app-updated' });
  return updated;
}

export async function destroyApp(deps: ServiceDeps, actor: User, idOrName: string): Promise<App> {
  const app = await authorize(deps.store, actor, idOrName, 'manage');
  const built = await deps.store.transaction(async (tx) => {
    // What its builds left goes with it (api-process: the builder): the store's record is the one
    // that knows them all, a released image of someone else's included, and it goes with the app.
    const locations = (await tx.slugs.list(app.id)).map((s) => s.location);
    await tx.apps.delete(app.id);
    await tx.events.append(auditEntry(actor, app, 'app-destroyed', { name: app.name }));
    return locations;
  });
  // One-offs run outside the formation, so the health manager would never stop them.
  const oneOffs = deps.oneOffs?.stopAll(app.id, 'app destroyed') ?? 0;
  deps.logger.info('app-destroyed', { app: app.name, by: actor.email, oneOffsStopped: oneOffs });
  deps.events.emit({ type: 'app-destroyed', appId: app.id, appName: app.name, built });
  return app;
}

/** Heroku's buildpack installations: the buildpacks every build of the app uses, in order; empty = detect. */
export async function setBuildpacks(deps: ServiceDeps, actor: User, idOrName: string, updates: unknown): Promise<App> {
  if (!Array.isArray(updates)) throw new BerthError('bad_request', 'Expected {"updates": [{"buildpack": "<name, directory or git URL>"}, …]}.', 'buildpack');
  const buildpacks = updates.map((u) => {
    const bp = typeof u === 'object' && u ? (u as { buildpack?: unknown }).buildpack : undefined;
    if (bp === undefined || bp === null) {
      // What `heroku buildpacks:set NAME` sends when its registry lookup (HEROKU_BUILDPACK_REGISTRY_URL) finds no NAME.
      throw new BerthError('invalid_params', `A buildpack update names no buildpack. Built-in names: ${herokuBuildpackNames().join(', ')}; other buildpacks by https git URL or a directory on the server.`, 'buildpack');
    }
    if (typeof bp !== 'string' || bp.length === 0 || bp.length > 500 || bp.startsWith('-') || /[\s\0]/.test(bp)) {
      throw new BerthError('invalid_params', `Invalid buildpack ${JSON.stringify(bp)}: give a built-in name, an absolute directory or a git URL.`, 'buildpack');
    }
    return bp;
  });
  const app = await authorize(deps.store, actor, idOrName, 'deploy');
  return deps.store.transaction(async (tx) => {
    const updated = await tx.apps.update(app.id, { buildpacks });
    await tx.events.append(auditEntry(actor, app, 'buildpacks-set', { buildpacks }));
    return updated;
  });
}
