// Process type names as a hostile tenant would send them to ps:scale, ps:type and ps:restart:
// names of JavaScript object properties must be refused, not looked up on a prototype.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import type { DynoDirectory } from '../services/dyno-directory.js';
import { registerDynoRoutes } from './routes/dyno-routes.js';

let api: TestApi;
let token: string;
const restarts: (string | undefined)[] = [];
const directory: DynoDirectory = {
  list: async () => [],
  restart: async (_appId, name) => { restarts.push(name); return 0; },
};
const call = (method: string, path: string, body?: unknown) => api.call(method, path, { token, body });
const rawPatch = (path: string, rawBody: string) => api.call('PATCH', path, { token, rawBody });

const HOSTILE = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

/** A deployed app whose slug defines web and worker, as after a real build. */
async function deployedApp(name: string): Promise<void> {
  const app = (await call('POST', '/apps', { name })).body as { id: string };
  const { store } = api.deps;
  const owner = (await store.apps.byId(app.id))!.ownerId;
  const slug = await store.slugs.create({ appId: app.id, location: '/nowhere', processTypes: { web: 'node web.js', worker: 'node worker.js' }, buildpackDescription: 'test', commit: null, sizeBytes: 1 });
  await store.releases.create({ appId: app.id, description: 'Deploy', current: true, slugId: slug.id, config: {}, userId: owner });
  await store.formation.upsert(app.id, 'web', { quantity: 1 });
}

const formationOf = async (app: string) =>
  ((await call('GET', `/apps/${app}/formation`)).body as { type: string; quantity: number }[]).map((f) => [f.type, f.quantity]);

beforeAll(async () => {
  api = await startTestApi([registerDynoRoutes, (_app, ctx) => { ctx.dynos = directory; }]);
  token = await api.login(ADMIN.email, ADMIN.password);
});
afterAll(() => api.close());

describe('process type names on the formation', () => {
  it.each(['before the first deploy', 'after a deploy'])('refuses Object property names with 422 %s, and scales nothing', async (when) => {
    const app = when === 'after a deploy' ? 'pt-deployed' : 'pt-fresh';
    if (when === 'after a deploy') await deployedApp(app); else await call('POST', '/apps', { name: app });
    const before = await formationOf(app);
    for (const type of HOSTILE) {
      const batch = await rawPatch(`/apps/${app}/formation`, `{"updates": [{"type": ${JSON.stringify(type)}, "quantity": 1}]}`);
      expect(batch.status, type).toBe(422);
      expect(batch.body.id).toBe('invalid_params');
      expect(batch.body.message).toMatch(new RegExp(`process type ${JSON.stringify(type)}`, 'i'));
      const single = await call('PATCH', `/apps/${app}/formation/${type}`, { quantity: 1, size: 'standard-2x' });
      expect(single.status, type).toBe(422);
    }
    expect(await formationOf(app)).toEqual(before);
  });

  it('still 404s a well-formed type the release does not define, and scales a defined one', async () => {
    await deployedApp('pt-defined');
    expect((await call('PATCH', '/apps/pt-defined/formation/clock', { quantity: 1 })).status).toBe(404);
    expect((await call('PATCH', '/apps/pt-defined/formation/worker', { quantity: 2 })).body).toMatchObject({ type: 'worker', quantity: 2, command: 'node worker.js' });
  });

  it('refuses upper-case, leading digits and over-long types as Heroku does', async () => {
    await call('POST', '/apps', { name: 'pt-shape' });
    for (const type of ['Web', '1web', 'w'.repeat(31), 'web.1', '-web']) {
      expect((await call('PATCH', '/apps/pt-shape/formation', { updates: [{ type, quantity: 1 }] })).status, type).toBe(422);
    }
    expect((await call('PATCH', '/apps/pt-shape/formation', { updates: [{ type: 'worker_2-low', quantity: 1 }] })).status).toBe(200);
  });
});

describe('dyno and process type names on restarts and stops', () => {
  it('refuses Object property names with 422 before asking the runtime', async () => {
    await call('POST', '/apps', { name: 'pt-restart' });
    restarts.length = 0;
    for (const name of ['constructor', '__proto__', 'toString', 'constructor.1']) {
      for (const [method, path] of [['DELETE', `/apps/pt-restart/dynos/${name}`], ['DELETE', `/apps/pt-restart/formations/${name}`], ['POST', `/apps/pt-restart/dynos/${name}/actions/stop`]] as const) {
        const res = await call(method, path);
        expect(res.status, `${method} ${path}`).toBe(422);
        expect(res.body.id).toBe('invalid_params');
      }
    }
    expect(restarts).toEqual([]);
  });
});
