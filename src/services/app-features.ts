// Heroku's app features (`berth features`, `features:enable`, `features:disable`): the edge
// behaviours an app opts into. `http-redirect` sends plain HTTP to HTTPS; `hsts` adds
// Strict-Transport-Security to HTTPS responses. Reading needs `view`, switching needs `manage`
// (it changes how every visitor reaches the app, as a domain does).
import { BerthError } from '../domain/errors.js';
import type { App, User } from '../domain/types.js';
import { APP_FEATURES, type AppFeatureName } from '../store/app-edge-repo.js';
import { auditEntry } from './audit-entry.js';
import { authorize } from './authorization.js';
import type { ServiceDeps } from './service-deps.js';

export interface AppFeatureState {
  name: AppFeatureName;
  description: string;
  enabled: boolean;
}

export const FEATURE_DESCRIPTIONS: Record<AppFeatureName, string> = {
  'http-redirect': 'Redirect plain HTTP requests to HTTPS (301 for GET and HEAD, 308 otherwise).',
  hsts: 'Send Strict-Transport-Security (max-age one year) on HTTPS responses, so browsers use HTTPS only.',
};

const isFeature = (name: string): name is AppFeatureName => (APP_FEATURES as readonly string[]).includes(name);

export async function listAppFeatures(d: ServiceDeps, actor: User, appRef: string): Promise<{ app: App; features: AppFeatureState[] }> {
  const app = await authorize(d.store, actor, appRef, 'view');
  const on = new Set(await d.store.features.enabled(app.id));
  return { app, features: APP_FEATURES.map((name) => ({ name, description: FEATURE_DESCRIPTIONS[name], enabled: on.has(name) })) };
}

export async function appFeatureInfo(d: ServiceDeps, actor: User, appRef: string, name: string): Promise<{ app: App; feature: AppFeatureState }> {
  const { app, features } = await listAppFeatures(d, actor, appRef);
  const feature = features.find((f) => f.name === name);
  if (!feature) throw noSuchFeature(name);
  return { app, feature };
}

export async function setAppFeature(d: ServiceDeps, actor: User, appRef: string, name: string, enabled: unknown): Promise<{ app: App; feature: AppFeatureState }> {
  // Looked up with `view` first: a stranger gets 404 for the app, a viewer 404 for a feature that does not exist.
  await authorize(d.store, actor, appRef, 'view');
  if (!isFeature(name)) throw noSuchFeature(name);
  if (typeof enabled !== 'boolean') throw new BerthError('invalid_params', 'enabled must be true or false.', 'feature');
  const app = await authorize(d.store, actor, appRef, 'manage');
  await d.store.transaction(async (tx) => {
    await tx.features.set(app.id, name, enabled);
    await tx.events.append(auditEntry(actor, app, enabled ? 'feature-enabled' : 'feature-disabled', { feature: name }));
  });
  d.events.emit({ type: 'edge-changed', appId: app.id });
  return { app, feature: { name, description: FEATURE_DESCRIPTIONS[name], enabled } };
}

export const noSuchFeature = (name: string) => new BerthError('not_found', `Couldn't find that feature: ${name}.`, 'feature');
