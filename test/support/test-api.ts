// Starts the real API over real HTTP on an ephemeral port, with a real SQLite store in a temp dir.
import { OutboundPolicy } from '../../src/platform/outbound-policy.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildApi, type ApiExtension, type ApiRoute } from '../../src/api/api-server.js';
import { publicUrls } from '../../src/api/public-urls.js';
import { systemClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { pathHider } from '../../src/platform/server-paths.js';
import { ensureAdmin } from '../../src/services/accounts.js';
import { PlatformEvents } from '../../src/services/platform-events.js';
import { DEFAULT_RELEASE_TIMEOUT_MS, ReleaseOwner } from '../../src/services/release-owner.js';
import type { ServiceDeps } from '../../src/services/service-deps.js';
import type { TeamLookup } from '../../src/services/team-lookup.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };

export interface TestApi {
  url: string;
  deps: ServiceDeps;
  home: string;
  /** fetch against the API with JSON in and out. */
  call(method: string, path: string, opts?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  login(email: string, password: string): Promise<string>;
  /** Every endpoint the API registered (core and extensions). */
  routes(): ApiRoute[];
  close(): Promise<void>;
}

/**
 * `home` lets a test put its own state (builds, sources) under the BERTH_HOME the API hides; `teams`
 * answers which team an app is in (team quotas).
 */
export async function startTestApi(extensions: ApiExtension[] = [], opts: { home?: string; teams?: TeamLookup; outbound?: OutboundPolicy } = {}): Promise<TestApi> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'berth-api-'));
  const store = new SqliteStore(join(home, 'db', 'berth.sqlite'));
  const events = new PlatformEvents();
  const releaseOwner = new ReleaseOwner({ store, clock: systemClock, events, logger: silentLogger, releaseTimeoutMs: DEFAULT_RELEASE_TIMEOUT_MS });
  const deps: ServiceDeps = { store, clock: systemClock, events, logger: silentLogger, releaseOwner, defaultStack: 'berth-24', hidePaths: pathHider({ '<BERTH_HOME>': home }), ...(opts.teams ? { teams: opts.teams } : {}),
    // As the e2e servers: the tests' receivers are on this machine's loopback.
    outbound: opts.outbound ?? OutboundPolicy.fromSetting('127.0.0.0/8,::1') };
  await ensureAdmin(deps, ADMIN);
  const app = buildApi({ ...deps, urls: publicUrls({ apiUrl: 'http://localhost:5000', baseDomain: 'localhost', routerPort: 8080 }) }, extensions);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const call: TestApi['call'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { Accept: 'application/vnd.heroku+json; version=3', ...opts.headers };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['Content-Type'] ??= 'application/json';
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
    return { status: res.status, body: parsed, headers: res.headers };
  };

  const login = async (email: string, password: string) => {
    const basic = Buffer.from(`${email}:${password}`).toString('base64');
    const res = await call('POST', '/oauth/authorizations', { headers: { Authorization: `Basic ${basic}` }, body: { description: 'test' } });
    if (res.status !== 201) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.access_token.token as string;
  };

  return {
    url, deps, home, call, login, routes: () => app.routeTable(),
    close: async () => {
      await app.close();
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
