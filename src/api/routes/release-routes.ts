// /apps/{app}/releases: history, one release, and rollback (POST with {"release": id or version}).
import type { FastifyInstance } from 'fastify';
import type { Release, User } from '../../domain/types.js';
import { getRelease, getReleaseConfig, listReleases, rollback } from '../../services/releases.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { paginate, parseRange } from '../pagination.js';
import { releaseJson } from '../serializers.js';

export function registerReleaseRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const usersOf = async (releases: Release[]) => {
    const users = new Map<string, User | undefined>();
    for (const r of releases) if (!users.has(r.userId)) users.set(r.userId, await ctx.store.users.byId(r.userId));
    return users;
  };

  app.get<{ Params: { app: string } }>('/apps/:app/releases', async (req, reply) => {
    const { app: a, releases, current } = await listReleases(ctx, actorOf(req), req.params.app);
    const page = paginate(releases, parseRange(req.headers.range, ['version', 'id', 'created_at'], 'version'), (r, f) =>
      f === 'id' ? r.id : f === 'created_at' ? r.createdAt : r.version);
    const users = await usersOf(page.items);
    return reply.status(page.status).headers(page.headers).send(page.items.map((r) => releaseJson(r, a, users.get(r.userId), current)));
  });

  app.get<{ Params: { app: string; release: string } }>('/apps/:app/releases/:release', async (req) => {
    const { app: a, release, current } = await getRelease(ctx, actorOf(req), req.params.app, req.params.release);
    return releaseJson(release, a, await ctx.store.users.byId(release.userId), current);
  });

  app.get<{ Params: { app: string; release: string } }>('/apps/:app/releases/:release/config-vars', async (req) => {
    return getReleaseConfig(ctx, actorOf(req), req.params.app, req.params.release);
  });

  app.post<{ Params: { app: string }; Body: { release?: unknown } | undefined }>('/apps/:app/releases', async (req, reply) => {
    const actor = actorOf(req);
    const release = await rollback(ctx, actor, req.params.app, req.body?.release);
    const a = await ctx.store.apps.byId(release.appId);
    return reply.status(201).send(releaseJson(release, a ?? { id: release.appId, name: req.params.app }, actor, release));
  });
}
