// What should run for an app: for each process type of the current release's slug, as many
// instance slots as the formation says. The `release` type never runs as an instance.
import type { Healthcheck } from '../domain/healthchecks.js';
import { commandOf } from '../domain/process-types.js';
import { DEFAULT_SIZE, findSize, type InstanceSize } from '../domain/sizes.js';
import type { App, Release, Slug } from '../domain/types.js';
import type { Store } from '../store/store.js';

export interface DesiredSlot {
  type: string;
  index: number;
  command: string;
  size: InstanceSize;
  /** `app/release/web.1`: crash counts are kept per slot, so a new release starts afresh. */
  key: string;
  /** Changes with every write to the type's formation entry (scale, resize), even to the same values. */
  formationVersion: string;
  /** The type's app.json healthchecks, from the release's own slug (so a rollback runs its own). */
  checks: readonly Healthcheck[];
}

export interface DesiredState {
  app: App;
  release?: Release;
  slug?: Slug;
  slots: DesiredSlot[];
}

export const slotKey = (appId: string, releaseId: string, type: string, index: number) => `${appId}/${releaseId}/${type}.${index}`;

export async function readDesiredState(store: Store, app: App): Promise<DesiredState> {
  const release = await store.releases.current(app.id);
  const slug = release?.slugId ? await store.slugs.byId(release.slugId) : undefined;
  if (!release || !slug) return { app, release, slug, slots: [] };
  const slots: DesiredSlot[] = [];
  for (const f of await store.formation.list(app.id)) {
    const command = commandOf(slug.processTypes, f.type);
    if (!command || f.type === 'release') continue;
    const size = findSize(f.size) ?? findSize(DEFAULT_SIZE)!;
    const checks = Object.hasOwn(slug.healthchecks, f.type) ? slug.healthchecks[f.type]! : [];
    for (let index = 1; index <= f.quantity; index++) {
      slots.push({ type: f.type, index, command, size, key: slotKey(app.id, release.id, f.type, index), formationVersion: `${f.quantity}:${f.size}:${f.updatedAt}`, checks });
    }
  }
  return { app, release, slug, slots };
}
