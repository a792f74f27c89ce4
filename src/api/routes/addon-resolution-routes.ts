// The heroku CLI's add-on look-ups: account-wide lists (`GET /addons`, `GET /addon-attachments`),
// one add-on's attachments, Heroku's resolvers (`POST /actions/...`/resolve), and the two
// data-API reads (`pg:info`, `redis:cli`) the CLI sends to HEROKU_DATA_HOST on the API's port.
import type { FastifyInstance } from 'fastify';
import type { Addon } from '../../domain/addon.js';
import type { AddonDeps } from '../../services/addon-deps.js';
import { databaseInfo } from '../../services/addon-data-info.js';
import {
  attachmentsOfAddon, listAccessibleAddons, listAccessibleAttachments, resolveAddons, resolveAttachments, type AttachmentView,
} from '../../services/addon-resolution.js';
import { actorOf } from '../authentication.js';
import { addonJson, attachmentJson, postgresDatabaseJson, redisDatabaseJson } from '../addon-serializers.js';

export function registerAddonResolutionRoutes(app: FastifyInstance, d: AddonDeps): void {
  const appRef = async (id: string) => (await d.store.apps.byId(id)) ?? { id, name: '' };
  const attachments = (views: AttachmentView[]) =>
    Promise.all(views.map(async (v) => attachmentJson(v.attachment, v.addon, await appRef(v.addon.appId), v.app)));
  // Lists without the broker's status: that is a per-add-on server round trip (addons:info has it).
  const addons = async (list: Addon[]) => {
    const out = [];
    for (const addon of list) {
      const v = { addon, app: await appRef(addon.appId), attachments: await d.store.addons.attachments({ addonId: addon.id }) };
      const names = new Map<string, string>();
      for (const x of v.attachments) names.set(x.appId, (await appRef(x.appId)).name);
      out.push(addonJson(v, names));
    }
    return out;
  };

  app.get('/addons', async (req) => addons(await listAccessibleAddons(d, actorOf(req))));
  app.get('/addon-attachments', async (req) => attachments(await listAccessibleAttachments(d, actorOf(req))));
  app.get<{ Params: { addon: string } }>('/addons/:addon/addon-attachments', async (req) =>
    attachments(await attachmentsOfAddon(d, actorOf(req), req.params.addon)));

  app.post<{ Body: { addon?: unknown; app?: unknown; addon_service?: unknown } | undefined }>('/actions/addons/resolve', async (req) =>
    addons(await resolveAddons(d, actorOf(req), req.body ?? {})));
  app.post<{ Body: { addon_attachment?: unknown; app?: unknown; addon_service?: unknown } | undefined }>('/actions/addon-attachments/resolve', async (req) =>
    attachments(await resolveAttachments(d, actorOf(req), req.body ?? {})));

  app.get<{ Params: { addon: string } }>('/client/v11/databases/:addon', async (req) =>
    postgresDatabaseJson(await databaseInfo(d, actorOf(req), req.params.addon, 'postgresql')));
  app.get<{ Params: { addon: string } }>('/redis/v0/databases/:addon', async (req) =>
    redisDatabaseJson(await databaseInfo(d, actorOf(req), req.params.addon, 'redis')));
}
