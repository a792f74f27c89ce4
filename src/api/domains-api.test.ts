// Custom domains, certificates (sni-endpoints) and the edge features as users meet them through the
// API, and what the routers are told of them (the edge feed), with certificates from a test CA.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, opensslTime, type TestCa } from '../../test/support/test-certificates.js';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import type { EdgeChange } from '../domain/internal-protocol.js';
import { SecretBox } from '../platform/secret-box.js';
import { AppEdges } from '../services/app-edges.js';
import { domainRoutes } from './routes/domain-routes.js';
import { sniEndpointRoutes } from './routes/sni-endpoint-routes.js';

let api: TestApi;
let ca: TestCa;
let edges: AppEdges;
const changes: EdgeChange[] = [];
const abort = new AbortController();
const tokens: Record<string, string> = {};

const as = (who: string) => ({
  get: (path: string) => api.call('GET', path, { token: tokens[who]! }),
  post: (path: string, body: unknown = {}) => api.call('POST', path, { token: tokens[who]!, body }),
  patch: (path: string, body: unknown) => api.call('PATCH', path, { token: tokens[who]!, body }),
  del: (path: string) => api.call('DELETE', path, { token: tokens[who]! }),
});

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'berth-domains-api-'));
  api = await startTestApi([domainRoutes({ baseDomain: 'localhost' }), sniEndpointRoutes({ sealer: SecretBox.forHome(home) })], { home });
  ca = makeTestCa(join(api.home, 'test-ca'));
  tokens.admin = await api.login(ADMIN.email, ADMIN.password);
  for (const name of ['ada', 'eve']) {
    expect((await api.call('POST', '/users', { token: tokens.admin, body: { email: `${name}@example.com`, password: `${name}-password` } })).status).toBe(201);
    tokens[name] = await api.login(`${name}@example.com`, `${name}-password`);
  }
  for (const [who, app] of [['ada', 'wiki'], ['ada', 'shop'], ['eve', 'blog']] as const) expect((await as(who).post('/apps', { name: app })).status).toBe(201);
  edges = new AppEdges({ store: api.deps.store, events: api.deps.events, logger: api.deps.logger });
  await edges.start(abort.signal);
  edges.onChange((c) => changes.push(c));
}, 60_000);

afterAll(async () => {
  abort.abort();
  await api?.close();
});

describe('domains', () => {
  it('adds a custom domain with Heroku\'s fields, listed after the app\'s own name', async () => {
    const added = await as('ada').post('/apps/wiki/domains', { hostname: 'Wiki.Corp.Example.', sni_endpoint: null });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ hostname: 'wiki.corp.example', kind: 'custom', cname: 'wiki.localhost', status: 'none', acm_status: null, sni_endpoint: null, app: { name: 'wiki' } });
    const list = (await as('ada').get('/apps/wiki/domains')).body as Array<{ hostname: string; kind: string }>;
    expect(list.map((d) => `${d.kind}:${d.hostname}`)).toEqual(['heroku:wiki.localhost', 'custom:wiki.corp.example']);
    expect((await as('ada').get('/apps/wiki/domains/wiki.corp.example')).body).toMatchObject({ id: added.body.id, kind: 'custom' });
  });

  it('gives a hostname to one app only: 422 naming the app to someone who sees it, not to anyone else', async () => {
    const mine = await as('ada').post('/apps/shop/domains', { hostname: 'wiki.corp.example' });
    expect(mine.status).toBe(422);
    expect(mine.body.message).toBe('wiki.corp.example is already added to the app wiki.');
    const theirs = await as('eve').post('/apps/blog/domains', { hostname: 'wiki.corp.example' });
    expect(theirs.status).toBe(422);
    expect(theirs.body.message).toBe('wiki.corp.example is already in use by another app.');
  });

  it('refuses IP addresses, bad labels and names under the base domain; takes a wildcard', async () => {
    for (const hostname of ['10.0.0.1', '::1', 'bad_label.example.com', '-x.example.com', 'shop.localhost', '*.localhost', '*.com', 'example', 'a..b.com']) {
      const r = await as('ada').post('/apps/shop/domains', { hostname });
      expect(r.status, hostname).toBe(422);
    }
    expect((await as('ada').post('/apps/shop/domains', { hostname: '*.shop.example' })).status).toBe(201);
    expect((await as('eve').post('/apps/blog/domains', { hostname: '*.shop.example' })).status).toBe(422);
    // A name the wildcard covers may still be another app's own, exact domain: exact beats wildcard.
    expect((await as('eve').post('/apps/blog/domains', { hostname: 'blog.shop.example' })).status).toBe(201);
  });

  it('removes a custom domain, never the app\'s own name; a stranger does not learn the app exists', async () => {
    expect((await as('ada').post('/apps/shop/domains', { hostname: 'gone.shop.test' })).status).toBe(201);
    expect((await as('ada').del('/apps/shop/domains/gone.shop.test')).status).toBe(200);
    expect((await as('ada').get('/apps/shop/domains/gone.shop.test')).status).toBe(404);
    expect((await as('ada').del('/apps/shop/domains/shop.localhost')).status).toBe(422);
    expect((await as('eve').get('/apps/shop/domains')).status).toBe(404);
  });

  it('tells the routers: the app\'s edge carries its domains', async () => {
    await edges.settled();
    const wiki = (await as('ada').get('/apps/wiki')).body.id as string;
    expect(edges.entries().find((e) => e.appId === wiki)?.domains).toEqual([{ hostname: 'wiki.corp.example', certificateId: null }]);
    expect(changes.some((c) => c.appId === wiki && c.edge?.domains.length === 1)).toBe(true);
  });
});

describe('sni-endpoints (certs)', () => {
  it('adds a certificate: the leaf\'s details, the app\'s domains it covers, never the key; the key is sealed at rest', async () => {
    const leaf = ca.leaf(['wiki.corp.example']);
    const added = await as('ada').post('/apps/wiki/sni-endpoints', { certificate_chain: leaf.chain, private_key: leaf.key });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      name: expect.stringMatching(/^sni-[0-9a-f]{8}$/), domains: ['wiki.corp.example'], app: { name: 'wiki' },
      ssl_cert: { cert_domains: ['wiki.corp.example'], subject: '/CN=wiki.corp.example', issuer: '/CN=Berth Test Intermediate', 'ca_signed?': false, acm: false },
    });
    expect(JSON.stringify(added.body)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify((await as('ada').get('/apps/wiki/sni-endpoints')).body)).not.toContain('PRIVATE KEY');
    const keyBody = leaf.key.split('\n')[1]!;
    for (const file of readdirSync(join(api.home, 'db'))) expect(readFileSync(join(api.home, 'db', file), 'latin1'), file).not.toContain(keyBody);
    await edges.settled();
    const edge = edges.entries().find((e) => e.certificates.some((c) => c.id === added.body.id))!;
    expect(SecretBox.forHome(api.home).open(edge.certificates[0]!.sealedPrivateKey)).toContain(keyBody);
  });

  it('refuses a key that does not match, an expired chain and a chain without its intermediate, saying which', async () => {
    const a = ca.leaf(['shop.example']);
    const b = ca.leaf(['shop.example']);
    const mismatched = await as('ada').post('/apps/shop/sni-endpoints', { certificate_chain: a.chain, private_key: b.key });
    expect(mismatched.status).toBe(422);
    expect(mismatched.body.message).toContain('private key does not match');
    const old = ca.leaf(['shop.example'], { start: opensslTime(new Date(Date.now() - 10 * 86_400_000)), end: opensslTime(new Date(Date.now() - 86_400_000)) });
    const expired = await as('ada').post('/apps/shop/sni-endpoints', { certificate_chain: old.chain, private_key: old.key });
    expect(expired.status).toBe(422);
    expect(expired.body.message).toMatch(/^The certificate expired on /);
    const incomplete = await as('ada').post('/apps/shop/sni-endpoints', { certificate_chain: a.cert, private_key: a.key });
    expect(incomplete.status).toBe(422);
    expect(incomplete.body.message).toContain('chain is incomplete');
    expect((await as('ada').get('/apps/shop/sni-endpoints')).body).toEqual([]);
  });

  it('ties a domain to a certificate, updates the certificate in place and removes it; only a manager may', async () => {
    const first = ca.leaf(['*.shop.example']);
    const made = await as('ada').post('/apps/shop/sni-endpoints', { certificate_chain: first.chain, private_key: first.key });
    expect(made.body.domains).toEqual(['*.shop.example']);
    const tied = await as('ada').patch('/apps/shop/domains/*.shop.example', { sni_endpoint: made.body.name });
    expect(tied.body.sni_endpoint).toEqual({ id: made.body.id, name: made.body.name });
    const next = ca.leaf(['*.shop.example', 'shop.example']);
    const updated = await as('ada').patch(`/apps/shop/sni-endpoints/${made.body.name}`, { certificate_chain: next.chain, private_key: next.key });
    expect(updated.body).toMatchObject({ id: made.body.id, name: made.body.name, ssl_cert: { cert_domains: ['*.shop.example', 'shop.example'] } });
    expect((await as('ada').get('/apps/shop/domains/*.shop.example')).body.sni_endpoint).toEqual({ id: made.body.id, name: made.body.name });
    expect((await as('eve').del(`/apps/shop/sni-endpoints/${made.body.name}`)).status).toBe(404);
    expect((await as('ada').del(`/apps/shop/sni-endpoints/${made.body.name}`)).status).toBe(200);
    expect((await as('ada').get('/apps/shop/domains/*.shop.example')).body.sni_endpoint).toBeNull();
  });
});

describe('app features', () => {
  it('lists http-redirect and hsts, switches them, and refuses an unknown one', async () => {
    const list = (await as('ada').get('/apps/wiki/features')).body as Array<{ name: string; enabled: boolean }>;
    expect(list.map((f) => `${f.name}:${f.enabled}`)).toEqual(['http-redirect:false', 'hsts:false']);
    expect((await as('ada').patch('/apps/wiki/features/http-redirect', { enabled: true })).body).toMatchObject({ name: 'http-redirect', enabled: true });
    expect((await as('ada').get('/apps/wiki/features/http-redirect')).body.enabled).toBe(true);
    expect((await as('ada').patch('/apps/wiki/features/no-such', { enabled: true })).status).toBe(404);
    await edges.settled();
    const wiki = (await as('ada').get('/apps/wiki')).body.id as string;
    expect(edges.entries().find((e) => e.appId === wiki)).toMatchObject({ httpRedirect: true, hsts: false });
  });
});
