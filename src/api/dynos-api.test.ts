// Dyno restarts and stops over real HTTP, as `heroku ps:restart` and `heroku ps:stop` send them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import type { DynoDirectory } from '../services/dyno-directory.js';
import { registerDynoRoutes } from './routes/dyno-routes.js';

let api: TestApi;
let token: string;
const restarts: { appId: string; name?: string }[] = [];
/** Knows web.1 and web.2 of every app; records what it was asked to restart. */
const directory: DynoDirectory = {
  list: async () => [{
    id: 'i1', name: 'web.1', type: 'web', state: 'up', command: 'npm start', size: 'standard-1x', releaseId: 'r1', releaseVersion: 1,
    startedAt: '2026-11-30T00:00:00.000Z', node: { id: 'n2', name: 'node2' },
  }],
  restart: async (appId, name) => {
    restarts.push({ appId, name });
    return name === undefined || ['web', 'web.1', 'web.2'].includes(name) ? 1 : 0;
  },
};
const call = (method: string, path: string, body?: unknown) => api.call(method, path, { token, body });

beforeAll(async () => {
  api = await startTestApi([registerDynoRoutes, (_app, ctx) => { ctx.dynos = directory; }]);
  token = await api.login(ADMIN.email, ADMIN.password);
  await call('POST', '/apps', { name: 'stopper' });
});
afterAll(() => api.close());

describe('stopping dynos (heroku ps:stop)', () => {
  it('POST /apps/{app}/dynos/{dyno}/actions/stop stops that dyno so the formation replaces it', async () => {
    const appId = (await call('GET', '/apps/stopper')).body.id;
    restarts.length = 0;
    const res = await call('POST', '/apps/stopper/dynos/web.1/actions/stop');
    expect(res.status).toBe(202);
    expect(restarts).toEqual([{ appId, name: 'web.1' }]);
  });

  it('POST /apps/{app}/formations/{type}/actions/stop stops every dyno of the type', async () => {
    restarts.length = 0;
    expect((await call('POST', '/apps/stopper/formations/web/actions/stop')).status).toBe(202);
    expect(restarts.map((r) => r.name)).toEqual(['web']);
  });

  it('answers 404 with a message for a dyno or an app that does not exist', async () => {
    const res = await call('POST', '/apps/stopper/dynos/worker.9/actions/stop');
    expect(res.status).toBe(404);
    expect(res.body.message).toContain('worker.9');
    expect((await call('POST', '/apps/no-such-app/dynos/web.1/actions/stop')).status).toBe(404);
  });
});

describe('listing dynos on a fleet', () => {
  it("adds Berth's node field beside Heroku's unchanged dyno fields", async () => {
    const [dyno] = (await call('GET', '/apps/stopper/dynos')).body;
    expect(dyno).toMatchObject({ name: 'web.1', type: 'web', state: 'up', size: 'standard-1x', release: { id: 'r1', version: 1 }, attach_url: null });
    expect(dyno.node).toEqual({ id: 'n2', name: 'node2' });
  });
});
