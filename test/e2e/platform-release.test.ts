// Releases as a user sees them: config changes and rollbacks reach the app, and a new release
// takes over without a single failed request.
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, Platform, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started));

/** A copy of node-hello whose greeting says `text` instead. */
async function variant(text: string): Promise<string> {
  const dir = await p.copyFixture('node-hello');
  const server = join(dir, 'server.js');
  await writeFile(server, (await readFile(server, 'utf8')).replace('Hello from node-hello', text));
  return dir;
}

const releases = async (app: string) => (await p.ok('GET', `/apps/${app}/releases`)) as { id: string; version: number; current: boolean; description: string }[];

/** Waits until the app answers `/` with text containing `needle`. */
const serves = (app: string, needle: string) =>
  waitFor(async () => (await p.get(app, '/')).text.includes(needle), 20_000, `${app} to serve "${needle}"`);

describe('releases', () => {
  it('config:set reaches the app in a new release; rollback brings back the old code and config', async () => {
    const app = 'rel-config';
    await p.createApp(app);
    await p.deployOk(app, await variant('Version A'), 'v-a');
    await p.deployOk(app, await variant('Version B'), 'v-b');
    expect((await p.get(app, '/')).text).toContain('Version B');

    await p.ok('PATCH', `/apps/${app}/config-vars`, { GREETING: 'and welcome' });
    await serves(app, 'Version B and welcome');
    const list = await releases(app);
    expect(list.map((r) => r.version)).toEqual([1, 2, 3]);
    expect(list.find((r) => r.current)?.version).toBe(3);
    expect((await p.waitForUp(app, 1))[0]!.release.version).toBe(3);

    const v1 = list.find((r) => r.version === 1)!;
    await p.ok('POST', `/apps/${app}/releases`, { release: v1.id });
    await waitFor(async () => (await p.get(app, '/')).text === 'Version A\n', 20_000, 'v-a without GREETING');
    const after = await releases(app);
    expect(after.find((r) => r.current)).toMatchObject({ version: 4 });
    expect(after.find((r) => r.version === 4)!.description).toMatch(/Rollback to v1/);
    expect((await p.waitForUp(app, 1))[0]!.release.version).toBe(4);
  }, 90_000);

  it('a config:set made while a release command runs lands on the new release, which keeps its code', async () => {
    const app = 'rel-during';
    await p.createApp(app);
    await p.deployOk(app, await variant('Version A'), 'v-a');
    const dir = await variant('Version B');
    // Long enough for the config change below to arrive while it runs; the outcome does not depend on it.
    await writeFile(join(dir, 'Procfile'), 'web: node server.js\nrelease: sleep 4\n');
    const deploying = p.deployOk(app, dir, 'v-b');
    await waitFor(async () => (await releases(app)).some((r) => r.version === 2), 60_000, 'the release command of v-b to start');
    await p.ok('PATCH', `/apps/${app}/config-vars`, { GREETING: 'and welcome' });
    await deploying;
    await serves(app, 'Version B and welcome');
    const list = await releases(app);
    expect(list.map((r) => [r.version, r.current])).toEqual([[1, false], [2, false], [3, true]]);
    expect(list[2]!.description).toBe('Set GREETING config vars');
  }, 120_000);

  it('a deploy switches the release without dropping a request', async () => {
    const app = 'rel-switch';
    await p.createApp(app);
    await p.deployOk(app, await variant('Old text'), 'old');
    const next = await variant('New text');

    const seen: string[] = [];
    const failures: string[] = [];
    let deploying = true;
    const client = (async () => {
      // Requests for as long as the deploy runs (however long that takes on a loaded machine: the
      // deploy's own wait bounds it), then 20 more so the switch is surely observed.
      let after = 0;
      while (deploying || after++ < 20) {
        try {
          const res = await p.get(app, '/');
          if (res.status !== 200) failures.push(`${res.status} ${res.text.slice(0, 200)}`);
          else seen.push(res.text.trim());
        } catch (e) {
          failures.push(String(e));
        }
      }
    })();
    try {
      await p.deployOk(app, next, 'new');
    } finally {
      deploying = false;
      await client;
    }
    expect(failures).toEqual([]);
    expect(seen[0]).toBe('Old text');
    expect(seen[seen.length - 1]).toBe('New text');
    // Once the new text appears, the old one does not come back.
    const firstNew = seen.indexOf('New text');
    expect(seen.slice(firstNew).every((t) => t === 'New text')).toBe(true);
    expect(new Set(seen)).toEqual(new Set(['Old text', 'New text']));
  }, 60_000);
});
