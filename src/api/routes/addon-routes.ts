// Heroku's add-on endpoints: /apps/{app}/addons, /addons/{addon}, /addon-attachments, and
// Berth's pg:backups under /apps/{app}/addons/{addon}/backups.
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { User } from '../../domain/types.js';
import type { AddonDeps } from '../../services/addon-deps.js';
import { attachAddon, detachAddon, listAttachments } from '../../services/addon-attachments.js';
import { backupFile, captureBackup, listBackups, restoreBackup } from '../../services/addon-backups.js';
import { createAddon, destroyAddon, getAddon, getAddonOfApp, listAddons, type AddonView, type CreateAddonInput } from '../../services/addons.js';
import type { ApiExtension } from '../api-server.js';
import { actorOf } from '../authentication.js';
import { addonJson, attachmentJson, backupJson } from '../addon-serializers.js';
import { registerAddonResolutionRoutes } from './addon-resolution-routes.js';

type AddonParams = { app: string; addon: string };

export function addonRoutes(deps: Pick<AddonDeps, 'brokers' | 'plans' | 'backupsDir'>): ApiExtension {
  return (app: FastifyInstance, ctx) => {
    const d: AddonDeps = { ...ctx, ...deps };
    const appNames = async (views: AddonView[]) => {
      const names = new Map<string, string>();
      for (const v of views) for (const a of v.attachments) if (!names.has(a.appId)) names.set(a.appId, (await ctx.store.apps.byId(a.appId))?.name ?? '');
      return names;
    };
    const appRef = async (id: string) => (await ctx.store.apps.byId(id)) ?? { id, name: '' };

    app.get<{ Params: { app: string } }>('/apps/:app/addons', async (req) => {
      const views = await listAddons(d, actorOf(req), req.params.app);
      const names = await appNames(views);
      return views.map((v) => addonJson(v, names));
    });

    app.post<{ Params: { app: string }; Body: CreateAddonInput | undefined }>('/apps/:app/addons', async (req, reply) => {
      const v = await createAddon(d, actorOf(req), req.params.app, req.body ?? {});
      return reply.status(201).send(addonJson(v, await appNames([v])));
    });

    app.get<{ Params: { addon: string } }>('/addons/:addon', async (req) => {
      const v = await getAddon(d, actorOf(req), req.params.addon);
      return addonJson(v, await appNames([v]), v.status);
    });

    app.get<{ Params: AddonParams }>('/apps/:app/addons/:addon', async (req) => {
      const v = await getAddonOfApp(d, actorOf(req), req.params.app, req.params.addon);
      return addonJson(v, await appNames([v]), v.status);
    });

    app.delete<{ Params: AddonParams; Querystring: { confirm?: string }; Body: { force?: boolean; confirm?: string } | undefined }>('/apps/:app/addons/:addon', async (req) => {
      const confirm = req.query.confirm ?? req.body?.confirm;
      const v = await destroyAddon(d, actorOf(req), req.params.app, req.params.addon, { confirm, force: req.body?.force === true });
      return { ...addonJson(v, await appNames([v])), state: 'deprovisioned' };
    });

    app.get<{ Params: { app: string } }>('/apps/:app/addon-attachments', async (req) => {
      const { app: a, attachments } = await listAttachments(d, actorOf(req), req.params.app);
      return Promise.all(attachments.map(async (x) => attachmentJson(x.attachment, x.addon, await appRef(x.addon.appId), a)));
    });

    app.post<{ Body: { addon?: unknown; app?: unknown; name?: unknown } | undefined }>('/addon-attachments', async (req, reply) => {
      const { attachment, addon, app: a } = await attachAddon(d, actorOf(req), req.body ?? {});
      return reply.status(201).send(attachmentJson(attachment, addon, await appRef(addon.appId), a));
    });

    app.delete<{ Params: { id: string } }>('/addon-attachments/:id', async (req) => {
      const { attachment, addon, app: a } = await detachAddon(d, actorOf(req), req.params.id);
      return attachmentJson(attachment, addon, await appRef(addon.appId), a);
    });

    registerBackupRoutes(app, d);
    registerAddonResolutionRoutes(app, d);
  };
}

function registerBackupRoutes(app: FastifyInstance, d: AddonDeps): void {
  app.get<{ Params: AddonParams }>('/apps/:app/addons/:addon/backups', async (req) => {
    const { app: a, addon, backups } = await listBackups(d, actorOf(req), req.params.app, req.params.addon);
    return backups.map((b) => backupJson(b, addon, a));
  });

  app.post<{ Params: AddonParams }>('/apps/:app/addons/:addon/backups', async (req, reply) => {
    const { app: a, addon, backup } = await captureBackup(d, actorOf(req), req.params.app, req.params.addon);
    return reply.status(201).send(backupJson(backup, addon, a));
  });

  app.post<{ Params: AddonParams & { backup: string }; Querystring: { confirm?: string }; Body: { confirm?: string } | undefined }>(
    '/apps/:app/addons/:addon/backups/:backup/actions/restore', async (req) => {
      const confirm = req.query.confirm ?? req.body?.confirm;
      const { app: a, addon, backup } = await restoreBackup(d, actorOf(req), req.params.app, req.params.addon, req.params.backup, confirm);
      return backupJson(backup, addon, a);
    });

  app.get<{ Params: AddonParams & { backup: string } }>('/apps/:app/addons/:addon/backups/:backup/download', async (req, reply) => {
    const { backup, file, size } = await backupFile(d, actorOf(req), req.params.app, req.params.addon, req.params.backup);
    return reply
      .header('Content-Type', 'application/octet-stream')
      .header('Content-Length', String(size))
      .header('Content-Disposition', `attachment; filename="b${String(backup.num).padStart(3, '0')}.dump"`)
      .send(createReadStream(file));
  });
}
