// The app.json reader: what a user's manifest turns into, and how a malformed one is refused.
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseAppJson, readAppJson } from './app-json.js';

const refusal = (text: string): string => {
  try {
    parseAppJson(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('app.json was accepted');
};

it('reads formation, env, add-ons, postdeploy and buildpacks as Heroku writes them', () => {
  const m = parseAppJson(JSON.stringify({
    name: 'demo', description: 'a demo', keywords: ['x'], repository: 'https://example.com/demo',
    formation: { web: { quantity: 0 }, worker: { quantity: 1, size: 'Standard-2X' } },
    env: {
      SECRET_KEY_BASE: { description: 'signing', generator: 'secret' },
      WEB_CONCURRENCY: { value: '5' },
      GREETING: 'hello',
      API_TOKEN: { description: 'the user brings it' },
      OPTIONAL: { required: false },
    },
    addons: ['heroku-postgresql', { plan: 'heroku-redis:mini', as: 'CACHE' }],
    scripts: { postdeploy: 'node seed.js' },
    buildpacks: [{ url: 'heroku/nodejs' }, { url: 'https://example.com/bp.tgz' }],
  }));
  expect(Object.fromEntries(m.formation)).toEqual({ web: { quantity: 0 }, worker: { quantity: 1, size: 'standard-2x' } });
  expect(Object.fromEntries(m.env)).toEqual({
    SECRET_KEY_BASE: { required: true, generator: 'secret' },
    WEB_CONCURRENCY: { required: true, value: '5' },
    GREETING: { required: true, value: 'hello' },
    API_TOKEN: { required: true },
    OPTIONAL: { required: false },
  });
  expect(m.addons).toEqual([{ plan: 'heroku-postgresql' }, { plan: 'heroku-redis:mini', as: 'CACHE' }]);
  expect(m.scripts).toEqual({ postdeploy: 'node seed.js' });
  expect(m.buildpacks).toEqual(['heroku/nodejs', 'https://example.com/bp.tgz']);
  // Descriptive keys change nothing and are not worth a line.
  expect(m.ignored).toEqual([]);
});

it('lists unknown keys and known ones Berth does not use, without refusing', () => {
  const m = parseAppJson(JSON.stringify({
    stack: 'heroku-24', frobnicate: true,
    cron: [{ command: 'node tick.js', schedule: '* * * * *' }], scripts: { 'pr-predestroy': 'x', release: 'y', postdeploy: 'z' },
  }));
  expect(m.ignored).toEqual([
    'stack (not used by Berth; berth stack:set chooses the stack)',
    'frobnicate (unknown key)',
    'scripts.pr-predestroy (not used by Berth: review apps)',
    "scripts.release (not used by Berth: use a `release:` process in the Procfile, Heroku's release phase)",
  ]);
  expect(m.cron.map((j) => j.command)).toEqual(['node tick.js']);
  expect(m.scripts.postdeploy).toBe('z');
});

it('refuses JSON that does not parse, saying so', () => {
  expect(refusal('{"formation": {')).toMatch(/^app\.json is not valid JSON: /);
  expect(refusal('[1, 2]')).toBe('app.json is not valid: the top level must be a JSON object {…}.');
});

it('refuses a manifest with wrong shapes, naming every problem at once', () => {
  const message = refusal(JSON.stringify({
    formation: { web: { quantity: 'two' }, worker: { size: 'huge' }, Bad: {} },
    env: { PORT: '80', 'MY-VAR': 'x', TOKEN: { generator: 'uuid' }, COUNT: { value: 5 } },
    addons: [{ as: 'DATABASE' }],
    scripts: { postdeploy: '' },
    buildpacks: 'heroku/nodejs',
  }));
  expect(message).toContain('formation.web.quantity must be a whole number, 0 or more (got "two")');
  expect(message).toContain('formation.worker.size "huge" is not a size');
  expect(message).toContain('formation: invalid process type "Bad"');
  expect(message).toContain('env: PORT is set by the platform on every dyno and cannot be a config var');
  expect(message).toContain('env: Invalid config var key "MY-VAR"');
  expect(message).toContain('env.TOKEN.generator must be "secret", the only generator (got "uuid")');
  expect(message).toContain('env.COUNT.value: must be a string (got 5)');
  expect(message).toContain('addons[0] must be a plan name');
  expect(message).toContain('scripts.postdeploy must be a command');
  expect(message).toContain('buildpacks must be a list of {"url": "…"}');
  expect(message).toMatch(/^app\.json is not valid: /);
});

it('refuses healthchecks and cron of the wrong shape', () => {
  expect(refusal('{"healthchecks": [], "cron": {}}')).toBe(
    'app.json is not valid: healthchecks must be an object of process type → list of checks; cron must be a list of {"command", "schedule"}.');
});

it('reads cron jobs with a stable id, forbid by default, and refuses bad schedules and policies by entry', () => {
  const m = parseAppJson(JSON.stringify({ cron: [
    { command: 'node tick.js', schedule: '* * * * *' },
    { command: 'node report.js', schedule: '@daily', concurrency_policy: 'replace', maintenance: false },
  ] }));
  expect(m.cron).toEqual([
    { id: expect.stringMatching(/^[a-z0-9]{10}$/), command: 'node tick.js', schedule: '* * * * *', concurrency: 'forbid' },
    { id: expect.stringMatching(/^[a-z0-9]{10}$/), command: 'node report.js', schedule: '@daily', concurrency: 'replace' },
  ]);
  expect(m.ignored).toEqual(['cron[1].maintenance (unknown key)']);
  // The same job in the next deploy keeps its id (its last run and suspension go with it); another does not.
  const again = parseAppJson(JSON.stringify({ cron: [{ command: 'node tick.js', schedule: '* * * * *' }] }));
  expect(again.cron[0]!.id).toBe(m.cron[0]!.id);
  expect(m.cron[1]!.id).not.toBe(m.cron[0]!.id);

  const message = refusal(JSON.stringify({ cron: [
    { command: 'x', schedule: '61 * * * *' },
    { command: 'x', schedule: '* * * * *', concurrency_policy: 'queue' },
    { schedule: '* * * * *' },
    { command: 'y', schedule: '* * * * *' }, { command: 'y', schedule: '* * * * *' },
  ] }));
  expect(message).toContain('cron[0].schedule "61 * * * *": Invalid value for minute: 61');
  expect(message).toContain('cron[1].concurrency_policy must be "forbid", "allow", "replace" (got "queue")');
  expect(message).toContain('cron[2].command must be a command');
  expect(message).toContain('cron[4] repeats an earlier job');
});

it('reads app.json from a source directory, none when absent, and never through a symlink', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'app-json-'));
  try {
    expect(await readAppJson(dir)).toBeUndefined();
    await writeFile(join(dir, 'secret.json'), '{"env": {"A": "1"}}');
    await symlink(join(dir, 'secret.json'), join(dir, 'app.json'));
    await expect(readAppJson(dir)).rejects.toThrow('app.json is not valid: app.json is a symlink; Berth reads it only as a regular file.');
    await rm(join(dir, 'app.json'));
    await writeFile(join(dir, 'app.json'), '{"env": {"A": "1"}}');
    expect(Object.fromEntries((await readAppJson(dir))!.env)).toEqual({ A: { value: '1', required: true } });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
