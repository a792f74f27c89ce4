// app.json `addons` on the local runtime: provisioned through the add-on service on the first
// deploy, before the release (so the release and its dynos see the URLs), never twice; an unknown
// plan refuses the first deploy before anything is built or provisioned.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisServer } from '../../src/addons/testing/service-dependencies.js';
import { buildDist, isAlive, Platform } from '../support/platform-harness.js';
import { asRoot, describeWith, type Dependency } from '../support/require-dependency.js';

const redisAsRoot: Dependency = {
  name: `${asRoot.name} and ${redisServer.name}`,
  check: () => asRoot.check() ?? redisServer.check(),
  install: `${redisServer.install}, as root`,
};

describeWith(redisAsRoot, 'app.json add-ons', () => {
  let p: Platform;
  const serverPids = new Set<number>();

  beforeAll(async () => {
    buildDist();
    p = await Platform.start();
  }, 60_000);

  afterAll(async () => {
    // Redis servers are detached from Berth by design; any the destroy did not stop are ended here.
    for (const a of await p?.ok('GET', '/apps').catch(() => []) ?? []) {
      for (const addon of await p.ok('GET', `/apps/${a.name}/addons`).catch(() => [])) {
        const pid = await readFile(join(p.home, 'addons', 'redis', addon.id, 'server.pid'), 'utf8').catch(() => '');
        if (pid) serverPids.add(Number(pid));
      }
    }
    await p?.stop();
    for (const pid of serverPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }, 60_000);

  const withManifest = async (manifest: unknown): Promise<string> => {
    const dir = await p.copyFixture('app-json-worker');
    await writeFile(join(dir, 'app.json'), JSON.stringify(manifest));
    return dir;
  };
  const addons = async (app: string) => ((await p.ok('GET', `/apps/${app}/addons`)) as { plan: { name: string }; config_vars: string[] }[])
    .map((a) => `${a.plan.name} ${a.config_vars.join(',')}`).sort();

  it('provisions the listed add-ons on the first deploy, by Heroku plan string and object, and not again', async () => {
    const app = 'appjson-addons';
    await p.createApp(app);
    const dir = await withManifest({ addons: ['heroku-redis', { plan: 'heroku-redis:premium-0', as: 'CACHE' }] });
    const first = await p.deployOk(app, dir, 'first');
    expect(first.output).toContain('-----> app.json: provisioning heroku-redis');
    expect(await addons(app)).toEqual(['redis:dev REDIS_URL', 'redis:standard CACHE_URL']);
    // The deploy's own release carries both URLs: its release command and dynos start with them.
    const releases = await p.ok('GET', `/apps/${app}/releases`);
    const current = releases.find((r: { current: boolean }) => r.current);
    expect(current.description).toBe('Deploy first');
    expect(Object.keys(await p.ok('GET', `/apps/${app}/releases/${current.id}/config-vars`)).sort()).toEqual(['CACHE_URL', 'REDIS_URL']);

    const second = await p.deployOk(app, dir, 'second');
    expect(second.output).not.toContain('provisioning');
    expect(await addons(app)).toEqual(['redis:dev REDIS_URL', 'redis:standard CACHE_URL']);
  }, 180_000);

  it('refuses a first deploy naming an unknown plan before building or provisioning anything', async () => {
    const app = 'appjson-badplan';
    await p.createApp(app);
    const refused = await p.deploy(app, await withManifest({ addons: ['heroku-redis', 'mongolab:shared'] }), 'first');
    expect(refused.build.status).toBe('failed');
    expect(refused.output).toContain(` !     app.json addons: Couldn't find either the add-on service or the add-on plan of "mongolab:shared".`);
    expect(await addons(app)).toEqual([]);
    expect(await p.ok('GET', `/apps/${app}/releases`)).toEqual([]);
  }, 60_000);
});
