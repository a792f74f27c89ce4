// The router answers ACME HTTP-01 challenges itself, before routing, from the API's internal endpoint.
import { afterEach, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../test/support/test-api.js';
import { acmeChallengeRoutes } from '../api/routes/acme-challenge-routes.js';
import { AcmeChallenges } from '../services/acme-challenges.js';
import { internalAcmeChallengeLookup } from './acme-challenge-answer.js';
import { backendAt, route, send, startBackend, startRouter, type TestBackend, type TestRouter } from './router-test-kit.js';

const TOKEN = 'router-acme-internal-token';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ router: TestRouter; challenges: AcmeChallenges; app: TestBackend; api: TestApi }> {
  const challenges = new AcmeChallenges();
  const api = await startTestApi([acmeChallengeRoutes({ token: TOKEN, challenges })]);
  cleanups.push(() => api.close());
  const app = await startBackend((req, res) => res.end(`app saw ${req.url}`));
  cleanups.push(() => app.close());
  const router = await startRouter({ acmeChallenges: internalAcmeChallengeLookup(api.url, TOKEN) });
  cleanups.push(() => router.stop());
  router.routes.set(route('demo', [backendAt(app.port)]));
  return { router, challenges, app, api };
}

it('answers a pending token with its key authorization for the hostname it was issued for, and 404 otherwise; the app never sees the path', async () => {
  const { router, challenges } = await setup();
  challenges.add('www.example.com', 'tok_en-1', 'tok_en-1.thumbprint');
  const answer = await send(router.port, { host: 'www.example.com', path: '/.well-known/acme-challenge/tok_en-1' });
  expect(answer.status).toBe(200);
  expect(answer.body.toString()).toBe('tok_en-1.thumbprint');
  // Another hostname (even a routed app's), an unknown token, a token with path tricks: 404 from the router.
  for (const [host, path] of [['demo.localhost', '/.well-known/acme-challenge/tok_en-1'], ['www.example.com', '/.well-known/acme-challenge/other'], ['www.example.com', '/.well-known/acme-challenge/../x']]) {
    const r = await send(router.port, { host: host!, path: path! });
    expect(r.status, `${host}${path}`).toBe(404);
    expect(r.body.toString()).not.toContain('app saw');
  }
  challenges.remove('tok_en-1');
  expect((await send(router.port, { host: 'www.example.com', path: '/.well-known/acme-challenge/tok_en-1' })).status).toBe(404);
  // Every other path is routed as before.
  expect((await send(router.port, { host: 'demo.localhost', path: '/.well-known/other' })).body.toString()).toBe('app saw /.well-known/other');
});

it('the internal endpoint refuses a caller without the internal token', async () => {
  const { api, challenges } = await setup();
  challenges.add('www.example.com', 'tok', 'tok.thumbprint');
  expect((await fetch(`${api.url}/internal/acme-challenges/tok?host=www.example.com`)).status).toBe(401);
});

it('answers 503 while the API cannot be asked, so the CA tries again rather than seeing a wrong answer', async () => {
  const router = await startRouter({ acmeChallenges: internalAcmeChallengeLookup('http://127.0.0.1:1', TOKEN) });
  cleanups.push(() => router.stop());
  expect((await send(router.port, { host: 'www.example.com', path: '/.well-known/acme-challenge/tok' })).status).toBe(503);
});
