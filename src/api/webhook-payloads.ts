// What each platform event says to app webhooks, in Heroku's payload terms: the entity as the API
// shows it (`data`), what changed (`previous_data`), who did it (`actor`). Presented here, at the
// edge, with the same serializers as the API, so a payload reads like a GET of the same resource.
import { commandOf } from '../domain/process-types.js';
import type { App, User } from '../domain/types.js';
import type { WebhookEventBody } from '../domain/webhooks.js';
import type { PlatformEvent } from '../services/platform-events.js';
import type { WebhookPresenter } from '../services/webhook-publisher.js';
import type { Store } from '../store/store.js';
import { buildJson } from './build-serializer.js';
import { formationJson, releaseJson } from './serializers.js';

type Actor = WebhookEventBody['actor'];

const actorOf = (user: Pick<User, 'id' | 'email'> | undefined, fallbackId: string | null): Actor => ({ id: user?.id ?? fallbackId, email: user?.email ?? null });

export function webhookPayloads(deps: { store: Store; apiUrl: string }): WebhookPresenter {
  const { store } = deps;
  return async (event: PlatformEvent) => {
    if (!('appId' in event)) return [];
    const app = await store.apps.byId(event.appId);
    if (!app) return [];
    switch (event.type) {
      case 'build-changed': {
        const build = await store.builds.byId(app.id, event.buildId);
        if (!build) return [];
        const user = await store.users.byId(build.userId);
        const data = buildJson(build, app.name, user, deps.apiUrl);
        // An update follows a pending build: it is the status that moved.
        const previous = event.action === 'update' ? { status: 'pending' } : {};
        return [{ include: 'api:build', action: event.action, resource: 'build', actor: actorOf(user, build.userId), data, previous_data: previous }];
      }
      case 'release-changed': {
        const release = await store.releases.byId(app.id, event.releaseId);
        if (!release) return [];
        const user = await store.users.byId(release.userId);
        const data = releaseJson(release, app, user, await store.releases.current(app.id));
        const previous = event.action === 'update' ? { status: 'pending' } : {};
        return [{ include: 'api:release', action: event.action, resource: 'release', actor: actorOf(user, release.userId), data, previous_data: previous }];
      }
      case 'formation-changed': {
        const user = await store.users.byId(event.actorId);
        const types = await processTypesOf(store, app);
        const entries = (await store.formation.list(app.id)).filter((f) => event.types.includes(f.type));
        return entries.map((f) => ({
          include: 'api:formation' as const, action: 'update' as const, resource: 'formation' as const, actor: actorOf(user, event.actorId),
          data: formationJson({ ...f, command: commandOf(types, f.type) ?? '' }, app),
          previous_data: event.before[f.type] ?? {},
        }));
      }
      case 'dyno-changed': {
        const { dyno } = event;
        // Nobody acted: the platform did. Heroku names the app's owner; so does Berth.
        const actor = actorOf(await store.users.byId(app.ownerId), app.ownerId);
        const command = commandOf(await processTypesOf(store, app, dyno.releaseId), dyno.type) ?? '';
        const data = {
          id: dyno.id, name: dyno.name, type: dyno.type, state: dyno.state, command, size: dyno.size,
          exit_status: dyno.exitStatus, management: null,
          app: { id: app.id, name: app.name }, release: { id: dyno.releaseId, version: dyno.releaseVersion },
          // Berth's addition: why it crashed or went down, and Heroku's error code where one applies.
          reason: dyno.reason, error_code: dyno.reason === 'boot-timeout' ? 'R10' : null,
        };
        const previous = dyno.previousState ? { state: dyno.previousState } : {};
        // Heroku's `dyno` entity: update for starting/up, destroy for crashed/down.
        const bodies: WebhookEventBody[] = [{
          include: 'dyno', action: dyno.state === 'crashed' || dyno.state === 'down' ? 'destroy' : 'update', resource: 'dyno', actor, data, previous_data: previous,
        }];
        // `api:dyno` create: a new dyno has begun running.
        if (dyno.state === 'starting') bodies.push({ include: 'api:dyno', action: 'create', resource: 'dyno', actor, data, previous_data: {} });
        return bodies;
      }
      default:
        return [];
    }
  };
}

async function processTypesOf(store: Store, app: App, releaseId?: string) {
  const release = releaseId ? await store.releases.byId(app.id, releaseId) : await store.releases.current(app.id);
  const slug = release?.slugId ? await store.slugs.byId(release.slugId) : undefined;
  return slug?.processTypes;
}
