// berth nodes* and the node in `berth ps`, run in-process against canned API answers.
import { describe, expect, it } from 'vitest';
import { json, runBerth } from '../testing/in-process-cli.js';

const cli = (argv: string[], respond: (url: string, init: RequestInit) => Response) => runBerth(argv, { url: 'http://api.test', token: 'tok', respond });

const GiB = 1024 ** 3;
const NODES = [
  { id: 'a1', name: 'node1', address: '172.20.0.2', role: 'manager', leader: true, availability: 'active', state: 'ready', instances: 2,
    capacity: { cpus: 2, memory_bytes: 8 * GiB }, reserved: { cpus: 1.5, memory_bytes: 1 * GiB }, used: { cpus: 0.25, memory_bytes: 300 * 1024 ** 2 } },
  { id: 'b2', name: 'node2', address: '172.20.0.3', role: 'worker', leader: false, availability: 'draining', state: 'down', instances: 1,
    capacity: { cpus: 4, memory_bytes: 16 * GiB }, reserved: { cpus: 0.5, memory_bytes: 512 * 1024 ** 2 }, used: null },
];

describe('berth nodes', () => {
  it('prints a table: role, availability, state, instances, CPU and memory capacity/reserved/used in human units', async () => {
    const r = await cli(['nodes'], () => json(200, NODES));
    expect(r.requests).toEqual(['GET http://api.test/nodes']);
    expect(r.stdout.split('\n').slice(0, 4)).toEqual([
      ' Name   Address     Role              Availability  State  Instances  CPU cap/reserved/used  Memory cap/reserved/used',
      ' ─────  ──────────  ────────────────  ────────────  ─────  ─────────  ─────────────────────  ────────────────────────',
      ' node1  172.20.0.2  manager (leader)  active        ready  2          2 / 1.5 / 0.25         8.0 GB / 1.0 GB / 300 MB',
      ' node2  172.20.0.3  worker            draining      down   1          4 / 0.5 / -            16 GB / 512 MB / -',
    ]);
    expect(r.stdout).toContain('used -: not measured');
    expect(JSON.parse((await cli(['nodes', '--json'], () => json(200, NODES))).stdout)).toEqual(NODES);
  });

  it('prints the join commands as a script, then the ports', async () => {
    const r = await cli(['nodes:join-command'], () => json(200, { commands: ['apt-get install -y docker.io', 'docker swarm join --token T 10.0.0.1:2377'], ports: ['2377/tcp', '4789/udp'] }));
    expect(r.stdout).toBe('# Run as root on the new machine (Debian):\napt-get install -y docker.io\ndocker swarm join --token T 10.0.0.1:2377\n\n'
      + "# Open between this machine and the others (and from Berth's machine): 2377/tcp, 4789/udp\n");
  });

  it('drains, activates and removes by name; a refusal is one line and exit 1', async () => {
    const drained = await cli(['nodes:drain', 'node2'], () => json(200, { ...NODES[1], instances: 3 }));
    expect(drained.requests).toEqual(['PATCH http://api.test/nodes/node2 {"availability":"drain"}']);
    expect(drained.stderr).toContain('Draining node2... draining, 3 instances to move');
    expect((await cli(['nodes:activate', 'node2'], () => json(200, NODES[1]))).requests).toEqual(['PATCH http://api.test/nodes/node2 {"availability":"active"}']);
    const refused = await cli(['nodes:remove', 'node1'], () => json(409, { id: 'conflict', message: 'node1 still runs 2 Berth instances; drain it first.' }));
    expect(refused.requests).toEqual(['DELETE http://api.test/nodes/node1']);
    expect([refused.code, refused.stderr]).toEqual([1, ' ▸    node1 still runs 2 Berth instances; drain it first.\n']);
  });
});

describe('berth ps on a fleet', () => {
  it('says which node each dyno runs on, and nothing where the API names none', async () => {
    const dyno = (name: string, node?: { id: string; name: string }) => ({
      id: name, name, type: 'web', size: 'standard-1x', state: 'up', command: 'npm start', release: { id: 'r', version: 3 }, app: { id: 'a', name: 'demo' },
      created_at: '2026-11-30T00:00:00Z', updated_at: '2026-11-30T00:00:00Z', ...(node ? { node } : {}),
    });
    const r = await cli(['ps', '-a', 'demo'], () => json(200, [dyno('web.1', { id: 'b2', name: 'node2' }), dyno('web.2')]));
    const lines = r.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('web.1:'))).toMatch(/^web\.1: up 2026\/11\/30 00:00:00 \+0000 \(~ \d+\w ago\) on node2$/);
    expect(lines.find((l) => l.startsWith('web.2:'))).not.toContain(' on ');
  });
});
