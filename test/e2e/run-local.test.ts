// `berth run` and `run:detached` on the local runtime: one-off dynos of the current release.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth } from '../support/cli-harness.js';
import { checkAttachedRun, checkDetachedRun } from '../support/one-off-checks.js';
import { buildDist, fixture, Platform } from '../support/platform-harness.js';

let p: Platform;

beforeAll(async () => {
  buildDist();
  p = await Platform.start();
  await p.createApp('run-local');
  await p.deployOk('run-local', fixture('node-hello'), 'v1');
  await p.ok('PATCH', '/apps/run-local/config-vars', { GREETING: 'from config' });
}, 120_000);

afterAll(async () => {
  await p?.stop();
});

describe('one-off dynos on the local runtime', () => {
  it('berth run attaches stdin and output and exits with the command’s code', () => checkAttachedRun(p, 'run-local'), 60_000);

  it('run:detached writes its output to the app log', () => checkDetachedRun(p, 'run-local'), 60_000);

  it('berth stack:build says the local runtime has no stack image', async () => {
    const result = await berth(['stack:build'], { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no stack image to build');
  });

  it('refuses a run before the first deploy, and an empty command', async () => {
    await p.createApp('run-empty');
    expect((await p.api('POST', '/apps/run-empty/dynos', { command: 'true', attach: true })).status).toBe(422);
    expect((await p.api('POST', '/apps/run-local/dynos', { command: '' })).status).toBe(422);
  });
});
