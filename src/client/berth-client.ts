// The typed client of Berth's Heroku-compatible API: the only way the CLI and dashboard reach the platform.
import type {
  Account, AdminUser, AppInfo, AuditEvent, AuditEventFilter, Authorization, Build, BuildpackInstallation, ConfigVars, CronJob, Dyno, LogDrain, Feature, FleetNode, Formation, PriceItem, TeamQuota, UsageReport,
  FormationUpdate, LogSession, LogSessionRequest, MetricsPage, MetricsScrapeToken, NodeJoinCommand, Release, Source, Stack,
} from './api-types.js';
import { AcmClient } from './acm-client.js';
import { AddonClient } from './addon-client.js';
import { EdgeClient } from './edge-client.js';
import { TeamClient } from './team-client.js';
import { WebhookClient } from './webhook-client.js';
import { HttpTransport, type TransportOptions } from './http-transport.js';
import { streamLines } from './line-stream.js';
import { uploadFile, type UploadOptions } from './upload-file.js';

export interface BerthClientOptions extends Omit<TransportOptions, 'credentials'> {
  /** API token sent as `Authorization: Bearer`; absent for anonymous calls (health, login). */
  token?: string;
}

const seg = (s: string | number): string => encodeURIComponent(String(s));

export class BerthClient {
  private readonly http: HttpTransport;

  private readonly fetch?: typeof fetch;

  private readonly token?: string;

  constructor(opts: BerthClientOptions) {
    this.fetch = opts.fetch;
    this.token = opts.token;
    this.http = new HttpTransport({ ...opts, credentials: opts.token ? { bearer: opts.token } : null });
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** Add-ons, attachments and pg backups. */
  get addons(): AddonClient {
    return new AddonClient(this.http, { token: this.token, fetch: this.fetch });
  }

  /** Teams, members, collaborators, transfers. */
  get teams(): TeamClient {
    return new TeamClient(this.http);
  }

  /** App webhooks, their delivery log and events. */
  get webhooks(): WebhookClient {
    return new WebhookClient(this.http);
  }

  /** Automatic certificates (certs:auto*). */
  get acm(): AcmClient {
    return new AcmClient(this.http);
  }

  /** Custom domains, certificates and app features. */
  get edge(): EdgeClient {
    return new EdgeClient(this.http);
  }

  async health(): Promise<{ status: string }> {
    return (await this.http.request<{ status: string }>('GET', '/health', { credentials: null })).body;
  }

  // --- authentication -------------------------------------------------------------------

  /** Exchanges an email and password for a new API token (HTTP Basic auth, as Heroku's login does). */
  async createAuthorization(email: string, password: string, description: string): Promise<Authorization> {
    const res = await this.http.request<Authorization>('POST', '/oauth/authorizations', {
      credentials: { basic: { user: email, password } },
      body: { description },
    });
    return res.body;
  }

  listAuthorizations(): Promise<Authorization[]> {
    return this.http.list<Authorization>('/oauth/authorizations');
  }

  async deleteAuthorization(id: string): Promise<Authorization> {
    return (await this.http.request<Authorization>('DELETE', `/oauth/authorizations/${seg(id)}`)).body;
  }

  async account(): Promise<Account> {
    return (await this.http.request<Account>('GET', '/account')).body;
  }

  // --- audit trail --------------------------------------------------------------------------

  /** The newest `max` events matching the filter, newest first (one page; the trail can be long). */
  async auditEvents(filter: AuditEventFilter, max: number): Promise<AuditEvent[]> {
    const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined && v !== '') as [string, string][]).toString();
    const res = await this.http.request<AuditEvent[]>('GET', `/audit-events${query ? `?${query}` : ''}`, { headers: { Range: `seq ..; max=${max}, order=desc` } });
    return res.body;
  }

  // --- users (Berth extension, admin only) ----------------------------------------------

  listUsers(): Promise<AdminUser[]> {
    return this.http.list<AdminUser>('/users');
  }

  async createUser(email: string, password?: string): Promise<AdminUser> {
    const body = password === undefined ? { email } : { email, password };
    return (await this.http.request<AdminUser>('POST', '/users', { body })).body;
  }

  async deleteUser(idOrEmail: string): Promise<AdminUser> {
    return (await this.http.request<AdminUser>('DELETE', `/users/${seg(idOrEmail)}`)).body;
  }

  // --- metrics (Berth extension: the kept series of an app) ---------------------------------

  async appMetrics(app: string, query: { metrics?: readonly string[]; since?: string; step?: string }): Promise<MetricsPage> {
    const params = new URLSearchParams();
    if (query.metrics?.length) params.set('metric', query.metrics.join(','));
    if (query.since) params.set('since', query.since);
    if (query.step) params.set('step', query.step);
    const qs = params.size > 0 ? `?${params}` : '';
    return (await this.http.request<MetricsPage>('GET', `/apps/${encodeURIComponent(app)}/metrics${qs}`)).body;
  }

  // --- usage and prices (Berth extension: the meter, the operator's price list) ------------

  async listPrices(): Promise<PriceItem[]> {
    return (await this.http.request<PriceItem[]>('GET', '/prices')).body;
  }

  async setPrices(prices: Record<string, number>): Promise<PriceItem[]> {
    return (await this.http.request<PriceItem[]>('PATCH', '/prices', { body: { prices } })).body;
  }

  async usage(query: { app?: string; team?: string; month?: string }): Promise<UsageReport> {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
    const qs = params.size > 0 ? `?${params}` : '';
    return (await this.http.request<UsageReport>('GET', `/usage${qs}`)).body;
  }

  async teamQuota(team: string): Promise<TeamQuota> {
    return (await this.http.request<TeamQuota>('GET', `/teams/${seg(team)}/quotas`)).body;
  }

  async setTeamQuota(team: string, limits: Partial<Record<'max_instances' | 'max_memory_mb' | 'max_addons', number | null>>): Promise<TeamQuota> {
    return (await this.http.request<TeamQuota>('PATCH', `/teams/${seg(team)}/quotas`, { body: limits })).body;
  }

  // --- nodes (Berth extension, admin only, swarm runtime) --------------------------------

  async listNodes(): Promise<FleetNode[]> {
    return (await this.http.request<FleetNode[]>('GET', '/nodes')).body;
  }

  async metricsScrapeToken(): Promise<MetricsScrapeToken> {
    return (await this.http.request<MetricsScrapeToken>('GET', '/metrics/token')).body;
  }

  async nodeJoinCommand(): Promise<NodeJoinCommand> {
    return (await this.http.request<NodeJoinCommand>('GET', '/nodes/join-command')).body;
  }

  async setNodeAvailability(node: string, availability: 'drain' | 'active'): Promise<FleetNode> {
    return (await this.http.request<FleetNode>('PATCH', `/nodes/${seg(node)}`, { body: { availability } })).body;
  }

  async removeNode(node: string): Promise<FleetNode> {
    return (await this.http.request<FleetNode>('DELETE', `/nodes/${seg(node)}`)).body;
  }

  // --- apps -----------------------------------------------------------------------------

  listApps(): Promise<AppInfo[]> {
    return this.http.list<AppInfo>('/apps');
  }

  /** `team` makes it a team app. */
  async createApp(name?: string, team?: string): Promise<AppInfo> {
    const body = { ...(name === undefined ? {} : { name }), ...(team === undefined ? {} : { team }) };
    return (await this.http.request<AppInfo>('POST', '/apps', { body })).body;
  }

  async getApp(app: string): Promise<AppInfo> {
    return (await this.http.request<AppInfo>('GET', `/apps/${seg(app)}`)).body;
  }

  async updateApp(app: string, changes: { name?: string; maintenance?: boolean; build_stack?: string }): Promise<AppInfo> {
    return (await this.http.request<AppInfo>('PATCH', `/apps/${seg(app)}`, { body: changes })).body;
  }

  async deleteApp(app: string): Promise<AppInfo> {
    return (await this.http.request<AppInfo>('DELETE', `/apps/${seg(app)}`)).body;
  }

  listStacks(): Promise<Stack[]> {
    return this.http.list<Stack>('/stacks');
  }

  listAppFeatures(app: string): Promise<Feature[]> {
    return this.http.list<Feature>(`/apps/${seg(app)}/features`);
  }

  listBuildpacks(app: string): Promise<BuildpackInstallation[]> {
    return this.http.list<BuildpackInstallation>(`/apps/${seg(app)}/buildpack-installations`);
  }

  /** Replaces the app's whole list, in order (Heroku's PUT semantics). */
  async setBuildpacks(app: string, buildpacks: string[]): Promise<BuildpackInstallation[]> {
    const body = { updates: buildpacks.map((buildpack) => ({ buildpack })) };
    return (await this.http.request<BuildpackInstallation[]>('PUT', `/apps/${seg(app)}/buildpack-installations`, { body })).body;
  }

  // --- log drains -----------------------------------------------------------------------

  async listLogDrains(app: string): Promise<LogDrain[]> {
    return (await this.http.request<LogDrain[]>('GET', `/apps/${seg(app)}/log-drains`)).body;
  }

  async addLogDrain(app: string, url: string): Promise<LogDrain> {
    return (await this.http.request<LogDrain>('POST', `/apps/${seg(app)}/log-drains`, { body: { url } })).body;
  }

  /** By URL, id or token. */
  async removeLogDrain(app: string, identity: string): Promise<LogDrain> {
    return (await this.http.request<LogDrain>('DELETE', `/apps/${seg(app)}/log-drains/${seg(identity)}`)).body;
  }

  // --- scheduled jobs (app.json cron) ----------------------------------------------------

  async listCronJobs(app: string): Promise<CronJob[]> {
    return (await this.http.request<CronJob[]>('GET', `/apps/${seg(app)}/cron`)).body;
  }

  /** Runs the job now; resolves with the one-off dyno running it (`scheduler.N`). */
  async runCronJob(app: string, id: string): Promise<{ dyno: { name: string } }> {
    return (await this.http.request<{ dyno: { name: string } }>('POST', `/apps/${seg(app)}/cron/${seg(id)}/runs`)).body;
  }

  async setCronJobSuspended(app: string, id: string, suspended: boolean): Promise<CronJob> {
    return (await this.http.request<CronJob>('PATCH', `/apps/${seg(app)}/cron/${seg(id)}`, { body: { suspended } })).body;
  }

  // --- config vars ----------------------------------------------------------------------

  async getConfigVars(app: string): Promise<ConfigVars> {
    return (await this.http.request<ConfigVars>('GET', `/apps/${seg(app)}/config-vars`)).body;
  }

  /** A null value unsets the key. Returns the app's full new set of config vars. */
  async updateConfigVars(app: string, changes: Record<string, string | null>): Promise<ConfigVars> {
    return (await this.http.request<ConfigVars>('PATCH', `/apps/${seg(app)}/config-vars`, { body: changes })).body;
  }

  // --- releases -------------------------------------------------------------------------

  /**
   * With `max`, one page of the newest releases, newest first (what Heroku's CLI asks for);
   * without it, every release, oldest first.
   */
  async listReleases(app: string, opts: { max?: number } = {}): Promise<Release[]> {
    const path = `/apps/${seg(app)}/releases`;
    if (opts.max === undefined) return this.http.list<Release>(path);
    const res = await this.http.request<Release[]>('GET', path, { headers: { Range: `version ..; max=${opts.max}, order=desc` } });
    return Array.isArray(res.body) ? res.body : [];
  }

  /** The config vars a release ran with (names and values). */
  async getReleaseConfigVars(app: string, idOrVersion: string | number): Promise<ConfigVars> {
    return (await this.http.request<ConfigVars>('GET', `/apps/${seg(app)}/releases/${seg(idOrVersion)}/config-vars`)).body;
  }

  async getRelease(app: string, idOrVersion: string | number): Promise<Release> {
    return (await this.http.request<Release>('GET', `/apps/${seg(app)}/releases/${seg(idOrVersion)}`)).body;
  }

  /** Rollback: a new release that copies the given one's slug and config. */
  async rollback(app: string, idOrVersion: string | number): Promise<Release> {
    const body = { release: String(idOrVersion) };
    return (await this.http.request<Release>('POST', `/apps/${seg(app)}/releases`, { body })).body;
  }

  // --- formation ------------------------------------------------------------------------

  listFormation(app: string): Promise<Formation[]> {
    return this.http.list<Formation>(`/apps/${seg(app)}/formation`);
  }

  async updateFormations(app: string, updates: FormationUpdate[]): Promise<Formation[]> {
    return (await this.http.request<Formation[]>('PATCH', `/apps/${seg(app)}/formation`, { body: { updates } })).body;
  }

  async getFormation(app: string, type: string): Promise<Formation> {
    return (await this.http.request<Formation>('GET', `/apps/${seg(app)}/formation/${seg(type)}`)).body;
  }

  async updateFormation(app: string, type: string, changes: { quantity?: number; size?: string }): Promise<Formation> {
    return (await this.http.request<Formation>('PATCH', `/apps/${seg(app)}/formation/${seg(type)}`, { body: changes })).body;
  }

  // --- builds, dynos, logs --------------------------------------------------------------

  async createSource(): Promise<Source> {
    return (await this.http.request<Source>('POST', '/sources')).body;
  }

  async createBuild(app: string, sourceBlob: { url: string; version?: string | null }): Promise<Build> {
    return (await this.http.request<Build>('POST', `/apps/${seg(app)}/builds`, { body: { source_blob: sourceBlob } })).body;
  }

  /** Releases an image already on the platform's Docker engine (Heroku's container:release). */
  async createImageBuild(app: string, image: string): Promise<Build> {
    return (await this.http.request<Build>('POST', `/apps/${seg(app)}/builds`, { body: { image } })).body;
  }

  /** Builds the stack image on the platform's Docker engine (admin); follow its output_stream_url. */
  async createStackBuild(stack: string, force: boolean): Promise<{ id: string; output_stream_url: string }> {
    return (await this.http.request<{ id: string; output_stream_url: string }>('POST', `/stacks/${seg(stack)}/builds`, { body: { force } })).body;
  }

  /** Starts a one-off dyno; with attach, its `attach_websocket_url` is for `attachDyno`. */
  async createDyno(app: string, req: { command: string; attach: boolean; size?: string; env?: Record<string, string> }): Promise<Dyno> {
    return (await this.http.request<Dyno>('POST', `/apps/${seg(app)}/dynos`, { body: req })).body;
  }

  async getBuild(app: string, id: string): Promise<Build> {
    return (await this.http.request<Build>('GET', `/apps/${seg(app)}/builds/${seg(id)}`)).body;
  }

  listDynos(app: string): Promise<Dyno[]> {
    return this.http.list<Dyno>(`/apps/${seg(app)}/dynos`);
  }

  /** Restarts every dyno of the app, or one (`web.1`) or a whole process type (`web`). */
  async restartDynos(app: string, name?: string): Promise<void> {
    await this.http.request<unknown>('DELETE', `/apps/${seg(app)}/dynos${name ? `/${seg(name)}` : ''}`);
  }

  /** `heroku ps:stop`: a one-off (`run.N`, or `run` for all) stops for good; a formation dyno is started again. */
  async stopDynos(app: string, name: string): Promise<void> {
    const path = name.includes('.') ? `dynos/${seg(name)}` : `formations/${seg(name)}`;
    await this.http.request<unknown>('POST', `/apps/${seg(app)}/${path}/actions/stop`);
  }

  /** Restarts every dyno of one process type (`web`), as `heroku ps:restart -p web` does. */
  async restartFormation(app: string, type: string): Promise<void> {
    await this.http.request<unknown>('DELETE', `/apps/${seg(app)}/formations/${seg(type)}`);
  }

  /** PUTs a packed source to the `put_url` of `createSource`: that URL is the credential, and takes one PUT. */
  uploadSource(putUrl: string, file: string, bytes: number, onProgress?: UploadOptions['onProgress']): Promise<void> {
    return uploadFile(putUrl, file, bytes, { fetch: this.fetch, onProgress });
  }

  /** Follows a streamed URL (a build's output_stream_url, a logplex_url) line by line. */
  followLines(url: string, signal?: AbortSignal): AsyncGenerator<string> {
    return streamLines(url, { fetch: this.fetch, signal });
  }

  async createLogSession(app: string, req: LogSessionRequest): Promise<LogSession> {
    return (await this.http.request<LogSession>('POST', `/apps/${seg(app)}/log-sessions`, { body: req })).body;
  }
}
