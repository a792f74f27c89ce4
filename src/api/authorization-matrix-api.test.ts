// The authorization matrix: every endpoint the API registers × every kind of actor, against the one
// table of what each endpoint needs. The endpoints come from the API's own route table, so a new
// endpoint without an entry here fails the first test. A refusal must be exactly the one expected
// (404 when the actor may not even see the app or team, 403 naming the permission when they may see
// it, 401 without a valid token): an unexpected 2xx is a failure, whatever the endpoint.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFullApi } from '../../test/support/full-api.js';
import { ADMIN, type TestApi } from '../../test/support/test-api.js';
import { APP_PERMISSIONS, type AppPermission } from '../domain/app-permissions.js';
import type { App, User } from '../domain/types.js';
import { hashPassword } from '../platform/password-hash.js';
import type { Repos } from '../store/store.js';
import type { ApiRoute } from './api-server.js';

/** What an endpoint needs: a permission on the `:app` in its path, or one of these. */
type Need =
  | AppPermission
  | 'public'          // capability URLs and git's own auth door are checked elsewhere (their secret / the git entries)
  | 'user'            // any signed-in user; what they see is filtered by authorize (tested below)
  | 'platform-admin'
  | 'team-member'     // any role in the team of `:team`
  | 'team-creator'    // admin or member of the team (viewers may not bring apps)
  | 'team-admin'
  | 'internal';       // the router's internal token only: no tenant token opens it

interface World { team: App; personal: App; pg: string; redis: string; attachmentIds: Record<string, string> }
interface Actor { name: string; token?: string; user?: User; target: 'team' | 'personal'; held: AppPermission[]; teamRole?: 'admin' | 'member' | 'viewer'; admin?: boolean }
interface Entry { need: Need; body?: (w: World, a: Actor, app: App) => unknown; query?: string; params?: (w: World, app: App) => Record<string, string> }

const RECRUIT = 'recruit@example.com';
const SPARE = 'spare@example.com';

/** THE table: every endpoint of the API and what it needs. */
const ENDPOINTS: Record<string, Entry> = {
  'GET /account': { need: 'user' },
  'POST /oauth/authorizations': { need: 'user', body: () => ({ description: 'matrix' }) },
  'GET /oauth/authorizations': { need: 'user' },
  'GET /oauth/authorizations/:id': { need: 'user' },
  'DELETE /oauth/authorizations/:id': { need: 'user' },
  'GET /users': { need: 'platform-admin' },
  'POST /users': { need: 'platform-admin', body: () => ({ email: `made-${Math.random().toString(36).slice(2, 8)}@example.com` }) },
  'DELETE /users/:ref': { need: 'platform-admin' },
  'GET /apps': { need: 'user' },
  'GET /users/~/apps': { need: 'user' },
  'POST /apps': { need: 'user', body: () => ({}) },
  'GET /apps/:app': { need: 'view' },
  'PATCH /apps/:app': { need: 'operate', body: () => ({ maintenance: true }) },
  'DELETE /apps/:app': { need: 'manage' },
  'GET /apps/:app/buildpack-installations': { need: 'view' },
  'PUT /apps/:app/buildpack-installations': { need: 'deploy', body: () => ({ updates: [] }) },
  'GET /apps/:app/config-vars': { need: 'deploy' },
  'PATCH /apps/:app/config-vars': { need: 'deploy', body: () => ({ MATRIX: '1' }) },
  'GET /apps/:app/releases': { need: 'view' },
  'GET /apps/:app/releases/:release': { need: 'view' },
  'GET /apps/:app/releases/:release/config-vars': { need: 'deploy' },
  'POST /apps/:app/releases': { need: 'deploy', body: () => ({ release: '1' }) },
  'GET /apps/:app/formation': { need: 'view' },
  'PATCH /apps/:app/formation': { need: 'operate', body: () => ({ updates: [{ type: 'web', quantity: 1 }] }) },
  'GET /apps/:app/formation/:type': { need: 'view' },
  'PATCH /apps/:app/formation/:type': { need: 'operate', body: () => ({ quantity: 1 }) },
  'GET /account/features': { need: 'user' },
  'GET /account/features/:feature': { need: 'user' },
  'PATCH /account/features/:feature': { need: 'user', body: () => ({ enabled: true }) },
  'GET /apps/:app/domains': { need: 'view' },
  'GET /apps/:app/domains/:domain': { need: 'view' },
  'POST /apps/:app/domains': { need: 'manage', body: (_w, a, app) => ({ hostname: `${a.name.replace(/[^a-z]/g, '')}-${app.name}.matrix.example.com` }) },
  'PATCH /apps/:app/domains/:domain': { need: 'manage', body: () => ({ sni_endpoint: null }) },
  'DELETE /apps/:app/domains/:domain': { need: 'manage' },
  'GET /apps/:app/sni-endpoints': { need: 'view' },
  'GET /apps/:app/sni-endpoints/:endpoint': { need: 'view' },
  'POST /apps/:app/sni-endpoints': { need: 'manage', body: () => ({ certificate_chain: 'not a certificate', private_key: 'not a key' }) },
  'PATCH /apps/:app/sni-endpoints/:endpoint': { need: 'manage', body: () => ({ certificate_chain: 'not a certificate', private_key: 'not a key' }) },
  'DELETE /apps/:app/sni-endpoints/:endpoint': { need: 'manage' },
  'GET /apps/:app/features': { need: 'view' },
  'GET /apps/:app/features/:feature': { need: 'view' },
  'PATCH /apps/:app/features/:feature': { need: 'view', body: () => ({ enabled: true }) },
  'GET /regions': { need: 'user' },
  'GET /regions/:region': { need: 'user' },
  'GET /buildpacks/:slug': { need: 'public' },
  'GET /buildpacks/:namespace/:name': { need: 'public' },
  'GET /teams': { need: 'user' },
  'POST /teams': { need: 'user', body: () => ({ name: `t-${Math.random().toString(36).slice(2, 8)}` }) },
  'GET /teams/permissions': { need: 'user' },
  'GET /teams/:team': { need: 'team-member' },
  'PATCH /teams/:team': { need: 'team-admin', body: () => ({ name: 'acme' }) },
  'DELETE /teams/:team': { need: 'team-admin' },
  'GET /teams/:team/features': { need: 'team-member' },
  'GET /teams/:team/members': { need: 'team-member' },
  'PUT /teams/:team/members': { need: 'team-admin', body: () => ({ email: SPARE, role: 'member' }) },
  'PATCH /teams/:team/members': { need: 'team-admin', body: () => ({ email: SPARE, role: 'member' }) },
  'DELETE /teams/:team/members/:member': { need: 'team-admin' },
  'GET /teams/:team/apps': { need: 'team-member' },
  // A team's bills and quotas are its admins' (and the platform admin's); prices are the operator's.
  'GET /teams/:team/invoices': { need: 'team-admin' },
  'GET /teams/:team/quotas': { need: 'team-admin' },
  'PATCH /teams/:team/quotas': { need: 'platform-admin', body: () => ({ max_instances: null }) },
  'GET /prices': { need: 'user' },
  'PATCH /prices': { need: 'platform-admin', body: () => ({ prices: { build: 0 } }) },
  // What a user sees of usage and of the audit trail is filtered to what they may see (tested in
  // usage-api and audit-api); asking is open to any signed-in user.
  'GET /usage': { need: 'user' },
  'GET /audit-events': { need: 'user' },
  'POST /teams/apps': { need: 'team-creator', body: () => ({ team: 'acme' }) },
  'GET /teams/apps/:app': { need: 'view' },
  'PATCH /teams/apps/:app': { need: 'manage', body: (_w, a) => ({ owner: a.user?.email ?? 'nobody@example.com' }) },
  'POST /account/app-transfers': { need: 'manage', body: (_w, a, app) => ({ app: app.name, recipient: a.user?.email ?? 'nobody@example.com' }) },
  'GET /apps/:app/collaborators': { need: 'view' },
  'GET /apps/:app/collaborators/:collaborator': { need: 'view' },
  'POST /apps/:app/collaborators': { need: 'manage', body: (_w, _a, app) => (app.teamId ? { user: RECRUIT, permissions: ['deploy'] } : { user: RECRUIT }) },
  'PATCH /apps/:app/collaborators/:collaborator': { need: 'manage', body: () => ({ permissions: ['view'] }) },
  'DELETE /apps/:app/collaborators/:collaborator': { need: 'manage' },
  'GET /teams/apps/:app/collaborators': { need: 'view' },
  'GET /teams/apps/:app/collaborators/:collaborator': { need: 'view' },
  'POST /teams/apps/:app/collaborators': { need: 'manage', body: (_w, _a, app) => (app.teamId ? { user: RECRUIT, permissions: ['deploy'] } : { user: RECRUIT }) },
  'PATCH /teams/apps/:app/collaborators/:collaborator': { need: 'manage', body: () => ({ permissions: ['view', 'operate'] }) },
  'DELETE /teams/apps/:app/collaborators/:collaborator': { need: 'manage' },
  'POST /sources': { need: 'user' },
  'GET /sources/:id/:secret': { need: 'public' },
  'PUT /sources/:id/:secret': { need: 'public' },
  'POST /apps/:app/builds': { need: 'deploy', body: () => ({}) },
  'GET /apps/:app/builds': { need: 'view' },
  'GET /apps/:app/builds/:id': { need: 'view' },
  'GET /builds/:id/output': { need: 'public' },
  'GET /apps/:app/dynos': { need: 'view' },
  'GET /apps/:app/dynos/:dyno': { need: 'view' },
  'DELETE /apps/:app/dynos': { need: 'operate' },
  'DELETE /apps/:app/formations/:type': { need: 'operate' },
  'DELETE /apps/:app/dynos/:dyno': { need: 'operate' },
  'POST /apps/:app/dynos/:dyno/actions/stop': { need: 'operate' },
  'POST /apps/:app/formations/:type/actions/stop': { need: 'operate' },
  'POST /apps/:app/dynos': { need: 'operate', body: () => ({ command: 'true' }) },
  'GET /apps/:app/log-drains': { need: 'view' },
  'POST /apps/:app/log-drains': { need: 'manage', body: () => ({ url: `syslog://127.0.0.1:${1024 + Math.floor(Math.random() * 60000)}` }) },
  'GET /apps/:app/log-drains/:drain': { need: 'view' },
  'DELETE /apps/:app/log-drains/:drain': { need: 'manage' },
  'GET /apps/:app/cron': { need: 'view' },
  'GET /apps/:app/metrics': { need: 'view' },
  'GET /apps/:app/webhooks': { need: 'view' },
  'POST /apps/:app/webhooks': { need: 'manage', body: () => ({ url: 'http://127.0.0.1:9/hooks', include: ['api:release'], level: 'notify' }) },
  'GET /apps/:app/webhooks/:id': { need: 'view' },
  'PATCH /apps/:app/webhooks/:id': { need: 'manage', body: () => ({ level: 'sync' }) },
  'DELETE /apps/:app/webhooks/:id': { need: 'manage' },
  'GET /apps/:app/webhook-deliveries': { need: 'view' },
  'GET /apps/:app/webhook-deliveries/:id': { need: 'view' },
  'GET /apps/:app/webhook-events': { need: 'view' },
  'GET /apps/:app/webhook-events/:id': { need: 'view' },
  'POST /apps/:app/cron/:id/runs': { need: 'operate' },
  'PATCH /apps/:app/cron/:id': { need: 'operate', body: () => ({ suspended: true }) },
  'GET /stacks': { need: 'user' },
  'GET /stacks/:stack': { need: 'user' },
  'POST /stacks/:stack/builds': { need: 'platform-admin', body: () => ({}) },
  'GET /nodes': { need: 'platform-admin' },
  'GET /nodes/join-command': { need: 'platform-admin' },
  'GET /nodes/:node': { need: 'platform-admin' },
  'PATCH /nodes/:node': { need: 'platform-admin', body: () => ({ availability: 'active' }) },
  'DELETE /nodes/:node': { need: 'platform-admin' },
  // Prometheus: the scrape token (not an actor here) or the platform admin's token.
  'GET /metrics': { need: 'platform-admin' },
  'GET /metrics/token': { need: 'platform-admin' },
  'GET /apps/:app/addons': { need: 'view' },
  'POST /apps/:app/addons': { need: 'manage', body: () => ({ plan: 'postgresql:dev' }) },
  'GET /addons/:addon': { need: 'view' },
  'GET /apps/:app/addons/:addon': { need: 'view' },
  'DELETE /apps/:app/addons/:addon': { need: 'manage' },
  'GET /apps/:app/addon-attachments': { need: 'view' },
  'POST /addon-attachments': { need: 'manage', body: (w, _a, app) => ({ addon: app.teamId ? w.pg : `${w.pg}-p`, app: app.name, name: 'SECOND' }) },
  'DELETE /addon-attachments/:id': { need: 'manage' },
  'GET /apps/:app/addons/:addon/backups': { need: 'view' },
  'POST /apps/:app/addons/:addon/backups': { need: 'operate' },
  'POST /apps/:app/addons/:addon/backups/:backup/actions/restore': { need: 'manage' },
  'GET /apps/:app/addons/:addon/backups/:backup/download': { need: 'deploy' },
  'GET /addons': { need: 'user' },
  'GET /addon-attachments': { need: 'user' },
  'GET /addons/:addon/addon-attachments': { need: 'view' },
  'POST /actions/addons/resolve': { need: 'view', body: (_w, _a, app) => ({ app: app.name, addon: 'DATABASE' }) },
  'POST /actions/addon-attachments/resolve': { need: 'view', body: (_w, _a, app) => ({ app: app.name, addon_attachment: 'DATABASE' }) },
  'GET /client/v11/databases/:addon': { need: 'view' },
  'GET /redis/v0/databases/:addon': { need: 'view', params: (w, app) => ({ addon: app.teamId ? w.redis : `${w.redis}-p` }) },
  'POST /apps/:app/log-sessions': { need: 'view', body: () => ({}) },
  'GET /log-sessions/:id': { need: 'public' },
  'GET /internal/routes': { need: 'internal' },
  'GET /internal/acme-challenges/:token': { need: 'internal', query: '?host=www.example.com' },
  'GET /apps/:app/acm': { need: 'view' },
  'POST /apps/:app/acm': { need: 'manage' },
  'DELETE /apps/:app/acm': { need: 'manage' },
  'PATCH /apps/:app/acm': { need: 'operate', body: () => ({ acm_refresh: true }) },
  'POST /internal/router-logs': { need: 'internal', body: () => ({ lines: [] }) },
  // Git's door is public to Fastify (git sends basic auth itself) and checks the token and `deploy` on its own.
  'GET /:repo/info/refs': { need: 'deploy', query: '?service=git-upload-pack' },
  'POST /:repo/git-upload-pack': { need: 'deploy' },
  'POST /:repo/git-receive-pack': { need: 'deploy' },
  'GET /health': { need: 'public' },
};

const GIT_ROUTES = new Set(['GET /:repo/info/refs', 'POST /:repo/git-upload-pack', 'POST /:repo/git-receive-pack']);
/** Routes that skip the tenant token check to check credentials of their own (and API tokens too): as the table says. */
const OWN_CREDENTIAL_ROUTES = new Set(['GET /metrics']);

type Outcome = 'allowed' | 'hidden' | 'forbidden' | 'unauthenticated' | 'refused';

/** What the table says this actor gets from this endpoint. */
function expected(need: Need, a: Actor): Outcome {
  if (!a.token || a.name === 'revoked token') return need === 'internal' ? 'refused' : 'unauthenticated';
  switch (need) {
    case 'public': throw new Error('public endpoints are not requested');
    case 'internal': return 'refused';
    case 'user': return 'allowed';
    case 'platform-admin': return a.admin ? 'allowed' : 'forbidden';
    case 'team-member': return a.admin || a.teamRole ? 'allowed' : 'hidden';
    case 'team-creator': return a.admin || a.teamRole === 'admin' || a.teamRole === 'member' ? 'allowed' : a.teamRole ? 'forbidden' : 'hidden';
    case 'team-admin': return a.admin || a.teamRole === 'admin' ? 'allowed' : a.teamRole ? 'forbidden' : 'hidden';
    default: return a.held.includes(need) ? 'allowed' : a.held.length === 0 ? 'hidden' : 'forbidden';
  }
}

let api: TestApi;
const abort = new AbortController();
const actors: Actor[] = [];
const users: Record<string, User> = {};
let serial = 0;

async function user(email: string, isAdmin = false): Promise<{ user: User; token: string }> {
  const u = await api.deps.store.users.create({ email, passwordHash: await hashPassword('matrix-password'), isAdmin });
  users[email] = u;
  return { user: u, token: await api.login(email, 'matrix-password') };
}

/** A fresh team app and personal app with every grant of the matrix, add-ons and an attachment on each. */
async function world(): Promise<World> {
  // One transaction: a world is some twenty rows, and hundreds are made.
  return api.deps.store.transaction((tx) => worldIn(tx));
}

async function worldIn(s: Repos): Promise<World> {
  const n = ++serial;
  const acme = (await s.teams.byName('acme'))!;
  const team = await s.apps.create({ name: `mx-t-${n}`, ownerId: users['team-admin@example.com']!.id, stack: 'berth-24', teamId: acme.id });
  const personal = await s.apps.create({ name: `mx-p-${n}`, ownerId: users['owner@example.com']!.id, stack: 'berth-24' });
  const grants: Record<string, AppPermission[]> = {
    'view@example.com': ['view'], 'deploy@example.com': ['view', 'deploy'], 'operate@example.com': ['view', 'operate'],
    'manage@example.com': ['view', 'manage'], [SPARE]: ['view'],
  };
  for (const [email, permissions] of Object.entries(grants)) await s.collaborators.set(team.id, users[email]!.id, permissions);
  for (const email of ['collaborator@example.com', SPARE]) await s.collaborators.set(personal.id, users[email]!.id, ['view', 'deploy', 'operate']);
  const attachmentIds: Record<string, string> = {};
  for (const [app, suffix] of [[team, ''], [personal, '-p']] as const) {
    const pg = await s.addons.create({ name: `pg-${n}${suffix}`, appId: app.id, service: 'postgresql', plan: 'postgresql:dev', state: 'provisioned' });
    const at = await s.addons.attach({ addonId: pg.id, appId: app.id, name: 'DATABASE' });
    const redis = await s.addons.create({ name: `redis-${n}${suffix}`, appId: app.id, service: 'redis', plan: 'redis:dev', state: 'provisioned' });
    await s.addons.attach({ addonId: redis.id, appId: app.id, name: 'REDIS' });
    attachmentIds[app.id] = at.id;
  }
  return { team, personal, pg: `pg-${n}`, redis: `redis-${n}`, attachmentIds };
}

beforeAll(async () => {
  api = await startFullApi(mkdtempSync(join(tmpdir(), 'berth-matrix-')), abort.signal);
  const s = api.deps.store;
  const adminToken = await api.login(ADMIN.email, ADMIN.password);
  users[ADMIN.email] = (await s.users.byEmail(ADMIN.email))!;
  const made = {
    teamAdmin: await user('team-admin@example.com'), view: await user('view@example.com'), deploy: await user('deploy@example.com'),
    operate: await user('operate@example.com'), manage: await user('manage@example.com'), viewer: await user('viewer@example.com'),
    owner: await user('owner@example.com'), collaborator: await user('collaborator@example.com'), stranger: await user('stranger@example.com'),
    revoked: await user('revoked@example.com'), spare: await user(SPARE), recruit: await user(RECRUIT),
  };
  const acme = await s.teams.create('acme');
  const globex = await s.teams.create('globex');
  await s.teams.setMember(acme.id, made.teamAdmin.user.id, 'admin');
  for (const m of [made.view, made.deploy, made.operate, made.manage, made.spare]) await s.teams.setMember(acme.id, m.user.id, 'member');
  await s.teams.setMember(acme.id, made.viewer.user.id, 'viewer');
  await s.teams.setMember(globex.id, made.stranger.user.id, 'admin');
  // A token that worked once and was revoked must open nothing.
  const revokedTokenId = (await s.tokens.listForUser(made.revoked.user.id))[0]!.id;
  expect((await api.call('DELETE', `/oauth/authorizations/${revokedTokenId}`, { token: made.revoked.token })).status).toBe(200);

  const all = [...APP_PERMISSIONS];
  actors.push(
    { name: 'platform admin', token: adminToken, user: users[ADMIN.email], target: 'team', held: all, admin: true },
    { name: 'team admin', token: made.teamAdmin.token, user: made.teamAdmin.user, target: 'team', held: all, teamRole: 'admin' },
    ...(['view', 'deploy', 'operate', 'manage'] as const).map((p): Actor => ({
      name: `member with ${p}`, token: made[p].token, user: made[p].user, target: 'team', held: p === 'view' ? ['view'] : ['view', p], teamRole: 'member',
    })),
    { name: 'team viewer', token: made.viewer.token, user: made.viewer.user, target: 'team', held: ['view'], teamRole: 'viewer' },
    { name: 'personal app owner', token: made.owner.token, user: made.owner.user, target: 'personal', held: all },
    { name: 'collaborator', token: made.collaborator.token, user: made.collaborator.user, target: 'personal', held: ['view', 'deploy', 'operate'] },
    { name: 'user of another team', token: made.stranger.token, user: made.stranger.user, target: 'team', held: [] },
    { name: 'no token', target: 'team', held: [] },
    { name: 'revoked token', token: made.revoked.token, target: 'team', held: [] },
  );
}, 60_000);

afterAll(async () => {
  abort.abort();
  await api?.close();
});

const key = (r: ApiRoute) => `${r.method} ${r.url}`;

function pathFor(route: ApiRoute, entry: Entry, w: World, app: App): string {
  const params: Record<string, string> = {
    app: app.name, team: 'acme', member: SPARE, collaborator: SPARE, addon: app.teamId ? w.pg : `${w.pg}-p`, id: w.attachmentIds[app.id]!,
    release: '1', type: 'web', dyno: 'web.1', feature: 'no-such-feature', backup: '1', stack: 'berth-24', node: 'no-such-node',
    ref: 'nobody@example.com', region: 'us', domain: 'nowhere.example.com', endpoint: 'no-such-endpoint', repo: `${app.name}.git`, ...entry.params?.(w, app),
  };
  if (route.url.startsWith('/apps/:app/builds/') || route.url.startsWith('/apps/:app/cron/') || route.url.startsWith('/oauth/')) {
    params.id = '00000000-0000-4000-8000-000000000000';
  }
  return route.url.replace(/:([a-z]+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? `no-${name}`)) + (entry.query ?? '');
}

async function request(route: ApiRoute, entry: Entry, w: World, a: Actor) {
  const app = a.target === 'team' ? w.team : w.personal;
  const path = pathFor(route, entry, w, app);
  if (GIT_ROUTES.has(key(route))) {
    const res = await fetch(api.url + path, {
      method: route.method,
      headers: {
        ...(a.token ? { Authorization: `Basic ${Buffer.from(`git:${a.token}`).toString('base64')}` } : {}),
        ...(route.method === 'POST' ? { 'Content-Type': `application/x-${route.url.split('/').pop()}-request` } : {}),
      },
      ...(route.method === 'POST' ? { body: '0000' } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: { message: text } as Record<string, unknown> };
  }
  const body = entry.body?.(w, a, app);
  return api.call(route.method, path, { ...(a.token ? { token: a.token } : {}), ...(body !== undefined ? { body } : {}) });
}

/** Whether a response is the outcome the table expects; a string says why not. */
function judge(outcome: Outcome, need: Need, res: { status: number; body: any }): true | string {
  const hiddenResource = ['app', 'team', 'addon', 'add_on'].includes(res.body?.resource) || /Couldn't find that app/.test(res.body?.message ?? '');
  switch (outcome) {
    case 'unauthenticated': return res.status === 401 || 'expected 401';
    case 'refused': return res.status === 401 || res.status === 403 || 'expected 401 or 403';
    case 'hidden': return (res.status === 404 && hiddenResource) || 'expected 404 (existence not revealed)';
    case 'forbidden':
      if (res.status !== 403) return 'expected 403';
      return typeof need !== 'string' || !APP_PERMISSIONS.includes(need as AppPermission) || (res.body?.message ?? '').includes(need) || `403 does not name ${need}`;
    case 'allowed':
      if (res.status === 401 || res.status === 403) return 'refused, expected allowed';
      if (res.status === 404 && hiddenResource) return 'hidden, expected allowed';
      return res.status < 500 || 'server error';
  }
}

describe('the authorization matrix', () => {
  it('has exactly one entry for every endpoint the API registers', () => {
    const registered = api.routes().map(key);
    expect(registered.length).toBeGreaterThan(100);
    const missing = registered.filter((k) => !(k in ENDPOINTS));
    const stale = Object.keys(ENDPOINTS).filter((k) => !registered.includes(k));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
    // Public in the table ⇔ served without the token check.
    for (const r of api.routes()) if (ENDPOINTS[key(r)]?.need === 'public') expect(r.public, key(r)).toBe(true);
    for (const r of api.routes()) if (r.public && !GIT_ROUTES.has(key(r)) && !OWN_CREDENTIAL_ROUTES.has(key(r))) expect(['public', 'internal'], key(r)).toContain(ENDPOINTS[key(r)]?.need);
  });

  it('gives every actor on every endpoint exactly the outcome the table expects: no unexpected 2xx', async () => {
    const failures: string[] = [];
    let cells = 0;
    for (const route of api.routes()) {
      const entry = ENDPOINTS[key(route)];
      if (!entry || entry.need === 'public') continue;
      const shared = await world();
      // Refusals first, on the shared world; an allowed change gets a world of its own, so a destroy
      // or transfer by one actor does not change what the next one finds.
      const ordered = [...actors].sort((a, b) => Number(expected(entry.need, a) === 'allowed') - Number(expected(entry.need, b) === 'allowed'));
      for (const a of ordered) {
        const outcome = expected(entry.need, a);
        const w = outcome === 'allowed' && route.method !== 'GET' ? await world() : shared;
        const res = await request(route, entry, w, a);
        cells++;
        const verdict = judge(outcome, entry.need, res);
        if (verdict !== true) failures.push(`${key(route)} as ${a.name}: ${verdict}, got ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(cells).toBeGreaterThan(1000);
  }, 240_000);
});
