// The add-on part of the API client: add-ons, attachments, pg backups (Heroku's shapes).
import { apiErrorFrom, ConnectionError } from './api-error.js';
import { HEROKU_ACCEPT, type HttpTransport } from './http-transport.js';

export interface AddonInfo {
  id: string;
  name: string;
  app: { id: string; name: string };
  addon_service: { id: string; name: string };
  plan: { id: string; name: string };
  config_vars: string[];
  state: string;
  created_at: string;
  attachments: { id: string; name: string; app: { id: string; name: string | null } }[];
  /** Berth extension on single add-on views: the server behind it. */
  berth_status?: { state: string; restarts: number; details: Record<string, string> };
}

export interface AddonAttachmentInfo {
  id: string;
  name: string;
  addon: { id: string; name: string; app: { id: string; name: string | null } };
  app: { id: string; name: string };
  config_vars: string[];
}

export interface BackupInfo {
  id: string;
  num: number;
  name: string;
  status: 'running' | 'succeeded' | 'failed';
  size_bytes: number;
  created_at: string;
  finished_at: string | null;
  addon: { id: string; name: string };
}

const seg = (s: string): string => encodeURIComponent(s);

export class AddonClient {
  constructor(private readonly http: HttpTransport, private readonly raw: { token?: string; fetch?: typeof fetch }) {}

  list(app: string): Promise<AddonInfo[]> {
    return this.http.list<AddonInfo>(`/apps/${seg(app)}/addons`);
  }

  async create(app: string, plan: string, opts: { as?: string; name?: string } = {}): Promise<AddonInfo> {
    const body = { plan, ...(opts.name ? { name: opts.name } : {}), ...(opts.as ? { attachment: { name: opts.as } } : {}) };
    return (await this.http.request<AddonInfo>('POST', `/apps/${seg(app)}/addons`, { body })).body;
  }

  /** By add-on id or name; with an app, also by the app's attachment name (`DATABASE`). */
  async get(ref: string, app?: string): Promise<AddonInfo> {
    const path = app ? `/apps/${seg(app)}/addons/${seg(ref)}` : `/addons/${seg(ref)}`;
    return (await this.http.request<AddonInfo>('GET', path)).body;
  }

  async destroy(app: string, ref: string, confirm: string): Promise<AddonInfo> {
    return (await this.http.request<AddonInfo>('DELETE', `/apps/${seg(app)}/addons/${seg(ref)}?confirm=${seg(confirm)}`)).body;
  }

  async attach(addon: string, app: string, name?: string): Promise<AddonAttachmentInfo> {
    return (await this.http.request<AddonAttachmentInfo>('POST', '/addon-attachments', { body: { addon, app, ...(name ? { name } : {}) } })).body;
  }

  attachments(app: string): Promise<AddonAttachmentInfo[]> {
    return this.http.list<AddonAttachmentInfo>(`/apps/${seg(app)}/addon-attachments`);
  }

  async detach(attachmentId: string): Promise<AddonAttachmentInfo> {
    return (await this.http.request<AddonAttachmentInfo>('DELETE', `/addon-attachments/${seg(attachmentId)}`)).body;
  }

  listBackups(app: string, addon: string): Promise<BackupInfo[]> {
    return this.http.list<BackupInfo>(`/apps/${seg(app)}/addons/${seg(addon)}/backups`);
  }

  async captureBackup(app: string, addon: string): Promise<BackupInfo> {
    return (await this.http.request<BackupInfo>('POST', `/apps/${seg(app)}/addons/${seg(addon)}/backups`)).body;
  }

  async restoreBackup(app: string, addon: string, backup: string, confirm: string): Promise<BackupInfo> {
    const path = `/apps/${seg(app)}/addons/${seg(addon)}/backups/${seg(backup)}/actions/restore?confirm=${seg(confirm)}`;
    return (await this.http.request<BackupInfo>('POST', path)).body;
  }

  /** The pg_dump file of a backup, as bytes. */
  async downloadBackup(app: string, addon: string, backup: string): Promise<Buffer> {
    const url = `${this.http.baseUrl}/apps/${seg(app)}/addons/${seg(addon)}/backups/${seg(backup)}/download`;
    const headers: Record<string, string> = { Accept: `${HEROKU_ACCEPT}, application/octet-stream` };
    if (this.raw.token) headers.Authorization = `Bearer ${this.raw.token}`;
    let res: Response;
    try {
      res = await (this.raw.fetch ?? globalThis.fetch)(url, { headers });
    } catch (e) {
      throw new ConnectionError(this.http.baseUrl, (e as Error).message);
    }
    if (res.status >= 400) {
      const text = await res.text();
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* not JSON */ }
      throw apiErrorFrom(res.status, res.statusText, body);
    }
    return Buffer.from(await res.arrayBuffer());
  }
}
