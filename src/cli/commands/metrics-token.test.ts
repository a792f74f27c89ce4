// `berth metrics:token` against the real API: the admin gets the bare token (ready for a scrape
// config's credentials file), anyone else the API's refusal.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../../test/support/test-api.js';
import { prometheusRoutes } from '../../api/routes/prometheus-routes.js';
import { hashPassword } from '../../platform/password-hash.js';
import { runBerth } from '../testing/in-process-cli.js';

const SCRAPE_TOKEN = 'berth-scrape-token-for-the-cli-test-0123456789';
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi([prometheusRoutes({ exposition: { contentType: 'text/plain', text: async () => '' }, scrapeToken: SCRAPE_TOKEN })]);
  await api.deps.store.users.create({ email: 'ada@example.com', passwordHash: await hashPassword('pw-for-ada-123'), isAdmin: false });
});
afterAll(async () => { await api.close(); });

it('prints the scrape token for the admin, alone on its line', async () => {
  const run = await runBerth(['metrics:token'], { url: api.url, token: await api.login(ADMIN.email, ADMIN.password) });
  expect(run).toMatchObject({ code: 0, stdout: `${SCRAPE_TOKEN}\n` });
});

it('refuses a user who is not the admin', async () => {
  const run = await runBerth(['metrics:token'], { url: api.url, token: await api.login('ada@example.com', 'pw-for-ada-123') });
  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe('');
  expect(run.stderr).toContain('Only the Berth admin may read the metrics scrape token.');
});
