// app.json on the local runtime, as a user pushing an app with a manifest sees it: a required
// variable stops the first deploy before anything changes, the formation, env defaults and a
// generated secret are set up on the first deploy only, postdeploy runs once, unknown keys are
// named once, and a malformed manifest is refused with what was wrong.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Platform, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started));

const config = (app: string): Promise<Record<string, string>> => p.ok('GET', `/apps/${app}/config-vars`);
const formation = async (app: string) => ((await p.ok('GET', `/apps/${app}/formation`)) as { type: string; quantity: number; size: string }[])
  .map((f) => `${f.type}=${f.quantity}:${f.size}`).sort();
const releases = async (app: string) => ((await p.ok('GET', `/apps/${app}/releases`)) as { version: number; description: string }[])
  .map((r) => `v${r.version} ${r.description}`);
const count = (text: string, needle: string) => text.split(needle).length - 1;

it('a first deploy sets the app up from app.json; a second leaves it alone and does not run postdeploy again', async () => {
  const app = 'appjson-worker';
  await p.createApp(app);
  const dir = await p.copyFixture('app-json-worker');

  // API_TOKEN is required (Heroku's default) and has no value: refused before the build, nothing changed.
  const refused = await p.deploy(app, dir, 'first-try');
  expect(refused.build.status).toBe('failed');
  expect(refused.output).toContain('app.json requires config var API_TOKEN before the first deploy; set it with: berth config:set API_TOKEN=… -a appjson-worker');
  expect(refused.output).not.toContain('-----> Discovering process types');
  expect(await releases(app)).toEqual([]);
  expect(await config(app)).toEqual({});
  expect(await formation(app)).toEqual([]);

  await p.ok('PATCH', `/apps/${app}/config-vars`, { API_TOKEN: 'from-the-user' });
  const first = await p.deployOk(app, dir, 'first');
  expect(count(first.output, 'app.json: ignoring frobnicate (unknown key)')).toBe(1);
  expect(first.output).toContain('-----> Running postdeploy script: node seed.js');
  expect(first.output).toContain('seeding with WELCOME=hello');
  expect(first.output).toContain('-----> postdeploy script done');
  const vars = await config(app);
  expect(vars).toMatchObject({ API_TOKEN: 'from-the-user', WELCOME: 'hello' });
  expect(vars.SECRET_KEY_BASE).toMatch(/^[0-9a-f]{64}$/);
  expect(await formation(app)).toEqual(['web=0:standard-1x', 'worker=1:basic']);
  await p.waitForUp(app, 1, 'worker', 30_000);
  expect((await p.dynos(app)).filter((d) => d.type === 'web')).toEqual([]);
  await waitFor(async () => (await p.logs(app, { dyno: 'worker.1' })).includes('worker sees API_TOKEN=from-the-user WELCOME=hello secret length 64'),
    20_000, 'the worker to report its environment');

  // The user changes what app.json set up; a later deploy keeps their choices and the secret.
  await p.scale(app, 'web', 1);
  await p.ok('PATCH', `/apps/${app}/config-vars`, { WELCOME: 'changed' });
  const second = await p.deployOk(app, dir, 'second');
  expect(second.output).not.toContain('postdeploy script');
  expect(second.output).toContain('app.json: formation, env, addons and scripts.postdeploy apply on the first deploy only');
  expect(count(second.output, 'app.json: ignoring frobnicate (unknown key)')).toBe(1);
  expect(await config(app)).toEqual({ ...vars, WELCOME: 'changed' });
  expect(await formation(app)).toEqual(['web=1:standard-1x', 'worker=1:basic']);
}, 180_000);

it('a malformed app.json fails the build, says what is wrong, and changes nothing', async () => {
  const app = 'appjson-bad';
  await p.createApp(app);
  const dir = await p.copyFixture('app-json-worker');
  await writeFile(join(dir, 'app.json'), JSON.stringify({ formation: { worker: { quantity: 'one' } }, env: { API_TOKEN: { generator: 'uuid' } } }));
  const bad = await p.deploy(app, dir, 'bad');
  expect(bad.build.status).toBe('failed');
  expect(bad.output).toContain(' !     app.json is not valid: formation.worker.quantity must be a whole number, 0 or more (got "one"); env.API_TOKEN.generator must be "secret", the only generator (got "uuid").');

  await writeFile(join(dir, 'app.json'), '{"formation": ');
  const broken = await p.deploy(app, dir, 'broken');
  expect(broken.build.status).toBe('failed');
  expect(broken.output).toMatch(/ ! {5}app\.json is not valid JSON: /);
  expect(await releases(app)).toEqual([]);
  expect(await config(app)).toEqual({});
  expect(await formation(app)).toEqual([]);
}, 120_000);

it('a postdeploy script that fails is reported; the release stays live and it is not run again', async () => {
  const app = 'appjson-postfail';
  await p.createApp(app);
  const dir = await p.copyFixture('app-json-worker');
  await writeFile(join(dir, 'app.json'), JSON.stringify({ scripts: { postdeploy: 'echo seeding failed on purpose; exit 4' } }));
  const first = await p.deployOk(app, dir, 'first');
  expect(first.output).toContain('seeding failed on purpose');
  expect(first.output).toContain(' !     postdeploy script failed with exit code 4; the release stays live; run it again with: berth run -a appjson-postfail -- echo seeding failed on purpose; exit 4');
  expect((await p.get(app, '/')).text).toBe('Hello from app-json-worker\n');
  const second = await p.deployOk(app, dir, 'second');
  expect(second.output).not.toContain('seeding failed on purpose');
}, 120_000);
