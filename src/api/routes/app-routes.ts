// /apps: create, list, show, rename / maintenance, destroy.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../domain/types.js';
import { createApp, destroyApp, getApp, listApps, setBuildpacks, updateApp } from '../../services/apps.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { paginate, parseRange } from '../pagination.js';
import { appJson } from '../serializers.js';

type AppBody = { name?: unknown; maintenance?: unknown; stack?: unknown; build_stack?: unknown; team?: unknown; organization?: unknown } | undefined;

export function registerAppRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const userOf = (id: string) => ctx.store.users.byId(id);
  const teamOf = async (a: App) => (a.teamId ? ctx.store.teams.byId(a.teamId) : undefined);
  const render = async (apps: App[]) => {
    const out = [];
    for (const a of apps) out.push(appJson(a, await userOf(a.ownerId), ctx.urls, undefined, await teamOf(a)));
    return out;
  };
  const renderOne = async (a: App) => {
    const release = await ctx.store.releases.current(a.id);
    const slug = release?.slugId ? await ctx.store.slugs.byId(release.slugId) : undefined;
    return appJson(a, await userOf(a.ownerId), ctx.urls, slug, await teamOf(a), (await ctx.store.acme.app(a.id)).enabled);
  };

  // The heroku CLI lists "my apps" through /users/~/apps.
  for (const path of ['/apps', '/users/~/apps']) app.get(path, async (req, reply) => {
    const apps = await listApps(ctx, actorOf(req));
    const page = paginate(apps, parseRange(req.headers.range, ['name', 'id', 'created_at', 'updated_at'], 'name'), (a, f) =>
      f === 'id' ? a.id : f === 'created_at' ? a.createdAt : f === 'updated_at' ? a.updatedAt : a.name);
    return reply.status(page.status).headers(page.headers).send(await render(page.items));
  });

  // (`/apps/:app/collaborators` is served by api/routes/team-routes.ts, `/apps/:app/addons` by addon-routes.ts.)
  app.post<{ Body: AppBody }>('/apps', async (req, reply) => {
    const created = await createApp(ctx, actorOf(req), { name: req.body?.name, stack: req.body?.stack, team: req.body?.team ?? req.body?.organization });
    return reply.status(201).send((await render([created]))[0]);
  });

  app.get<{ Params: { app: string } }>('/apps/:app', async (req) => renderOne(await getApp(ctx, actorOf(req), req.params.app)));

  app.patch<{ Params: { app: string }; Body: AppBody }>('/apps/:app', async (req) => {
    const updated = await updateApp(ctx, actorOf(req), req.params.app, { name: req.body?.name, maintenance: req.body?.maintenance, buildStack: req.body?.build_stack });
    return renderOne(updated);
  });

  app.delete<{ Params: { app: string } }>('/apps/:app', async (req) => (await render([await destroyApp(ctx, actorOf(req), req.params.app)]))[0]);

  const installations = (a: App) => a.buildpacks.map((url, i) => ({ ordinal: i, buildpack: { url, name: url } }));

  app.get<{ Params: { app: string } }>('/apps/:app/buildpack-installations', async (req) => installations(await getApp(ctx, actorOf(req), req.params.app)));

  app.put<{ Params: { app: string }; Body: { updates?: unknown } | undefined }>('/apps/:app/buildpack-installations', async (req) =>
    installations(await setBuildpacks(ctx, actorOf(req), req.params.app, req.body?.updates)));
}
