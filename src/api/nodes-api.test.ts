// /nodes over real HTTP: admin only, the not-swarm answer, and the JSON an admin gets (a fake Fleet;
// the real swarm is behind it in runtime/swarm/swarm-fleet.swarm.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import { BerthError } from '../domain/errors.js';
import type { Fleet, FleetNode } from '../runtime/fleet.js';
import { nodeRoutes } from './routes/node-routes.js';

const node2: FleetNode = {
  id: 'n2id', name: 'node2', address: '10.0.0.2', role: 'worker', leader: false, availability: 'active', state: 'ready', instances: 3,
  capacity: { cpus: 2, memoryBytes: 4096 }, reserved: { cpus: 1, memoryBytes: 1024 }, used: null,
};
const calls: string[] = [];
const fleet: Fleet = {
  nodes: async () => [node2],
  node: async (ref) => {
    if (ref !== node2.id && ref !== node2.name) throw new BerthError('not_found', `Couldn't find the node ${ref}.`, 'node');
    return node2;
  },
  joinInstructions: async () => ({ commands: ['docker swarm join --token T 10.0.0.1:2377'], ports: ['2377/tcp'] }),
  drain: async (ref) => { calls.push(`drain ${ref}`); return { ...node2, availability: 'draining' }; },
  activate: async (ref) => { calls.push(`activate ${ref}`); return node2; },
  remove: async (ref) => {
    calls.push(`remove ${ref}`);
    if (node2.instances > 0) throw new BerthError('conflict', 'node2 still runs 3 Berth instances; drain it first.', 'node');
  },
  finishDrain: async () => {},
};

let swarm: TestApi;
let single: TestApi;
let admin: string;
let user: string;

beforeAll(async () => {
  swarm = await startTestApi([nodeRoutes({ fleet })]);
  single = await startTestApi([nodeRoutes({ fleet: undefined })]);
  admin = await swarm.login(ADMIN.email, ADMIN.password);
  await swarm.call('POST', '/users', { token: admin, body: { email: 'dev@example.com', password: 'dev password 123' } });
  user = await swarm.login('dev@example.com', 'dev password 123');
});
afterAll(async () => { await swarm.close(); await single.close(); });

describe('/nodes', () => {
  it('lists nodes for the admin in snake_case JSON, and one by name', async () => {
    const list = await swarm.call('GET', '/nodes', { token: admin });
    expect(list.status).toBe(200);
    expect(list.body).toEqual([{
      id: 'n2id', name: 'node2', address: '10.0.0.2', role: 'worker', leader: false, availability: 'active', state: 'ready', instances: 3,
      capacity: { cpus: 2, memory_bytes: 4096 }, reserved: { cpus: 1, memory_bytes: 1024 }, used: null,
    }]);
    expect((await swarm.call('GET', '/nodes/node2', { token: admin })).body.id).toBe('n2id');
    const missing = await swarm.call('GET', '/nodes/node9', { token: admin });
    expect([missing.status, missing.body.id]).toEqual([404, 'not_found']);
  });

  it('is forbidden to a user who is not the admin, on every route', async () => {
    for (const [method, path, body] of [['GET', '/nodes'], ['GET', '/nodes/join-command'], ['GET', '/nodes/node2'], ['PATCH', '/nodes/node2', { availability: 'drain' }], ['DELETE', '/nodes/node2']] as const) {
      const res = await swarm.call(method, path, { token: user, body });
      expect([res.status, res.body.id], `${method} ${path}`).toEqual([403, 'forbidden']);
    }
    expect(calls).toEqual([]);
  });

  it('drains and activates with PATCH {availability}, and refuses any other value', async () => {
    const drained = await swarm.call('PATCH', '/nodes/node2', { token: admin, body: { availability: 'drain' } });
    expect([drained.status, drained.body.availability]).toEqual([200, 'draining']);
    expect((await swarm.call('PATCH', '/nodes/node2', { token: admin, body: { availability: 'active' } })).status).toBe(200);
    const bad = await swarm.call('PATCH', '/nodes/node2', { token: admin, body: { availability: 'pause' } });
    expect([bad.status, bad.body.id]).toEqual([422, 'invalid_params']);
    expect(calls.splice(0)).toEqual(['drain node2', 'activate node2']);
  });

  it("answers the fleet's refusal to remove a busy node as 409 with its message", async () => {
    const res = await swarm.call('DELETE', '/nodes/node2', { token: admin });
    expect([res.status, res.body.id, res.body.message]).toEqual([409, 'conflict', 'node2 still runs 3 Berth instances; drain it first.']);
    expect(calls.splice(0)).toEqual(['remove n2id']);
  });

  it('gives the join command and ports', async () => {
    const res = await swarm.call('GET', '/nodes/join-command', { token: admin });
    expect(res.body).toEqual({ commands: ['docker swarm join --token T 10.0.0.1:2377'], ports: ['2377/tcp'] });
  });

  it('says nodes need the swarm runtime on a one-machine Berth', async () => {
    const token = await single.login(ADMIN.email, ADMIN.password);
    const res = await single.call('GET', '/nodes', { token });
    expect(res.status).toBe(501);
    expect(res.body.message).toContain('BERTH_RUNTIME=swarm');
  });
});
