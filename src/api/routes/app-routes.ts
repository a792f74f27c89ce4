// /apps: create, list, show, rename / maintenance, destroy.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../domain/types.js';
import { createApp, destroyApp, getApp, listApps, setBuildpacks, updateApp } from '../../services/apps.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';
import { paginate, parseRange } from '../pagination.js';
import { appJson, collaboratorJson } from '../serializers.js';

type AppBody = { name?: unknown; maintenance?: unknown; stack?: unknown; build_stack?: unknown } | undefined;

export function registerAppRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const render = async (apps: App[]) => {
    const owners = new Map<string, Awaited<ReturnType<typeof ctx.store.users.byId>>>();
    for (const a of apps) if (!owners.has(a.ownerId)) owners.set(a.ownerId, await ctx.store.users.byId(a.ownerId));
    return apps.map((a) => appJson(a, owners.get(a.ownerId), ctx.urls));
  };
  const renderOne = async (a: App) => {
    const release = await ctx.store.releases.current(a.id);
    const slug = release?.slugId ? await ctx.store.slugs.byId(release.slugId) : undefined;
    return appJson(a, await ctx.store.users.byId(a.ownerId), ctx.urls, slug);
  };

  // The heroku CLI lists "my apps" through /users/~/apps.
  for (const path of ['/apps', '/users/~/apps']) app.get(path, async (req, reply) => {
    const apps = await listApps(ctx, actorOf(req));
    const page = paginate(apps, parseRange(req.headers.range, ['name', 'id', 'created_at', 'updated_at'], 'name'), (a, f) =>
      f === 'id' ? a.id : f === 'created_at' ? a.createdAt : f === 'updated_at' ? a.updatedAt : a.name);
    return reply.status(page.status).headers(page.headers).send(await render(page.items));
  });

  // Who may use the app: today only its owner (invited collaborators come with a later issue and
  // join this list). `heroku access` and `heroku apps:info` read it.
  // (`/apps/:app/addons` is served by api/routes/addon-routes.ts.)
  app.get<{ Params: { app: string } }>('/apps/:app/collaborators', async (req) => {
    const a = await getApp(ctx, actorOf(req), req.params.app);
    const owner = await ctx.store.users.byId(a.ownerId);
    return owner ? [collaboratorJson(a, owner, 'owner')] : [];
  });

  app.post<{ Body: AppBody }>('/apps', async (req, reply) => {
    const created = await createApp(ctx, actorOf(req), { name: req.body?.name, stack: req.body?.stack });
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
