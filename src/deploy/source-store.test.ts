import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newSourceId, newSourceSecret } from './source-capability.js';
import { SourceStore, type SourceLimits } from './source-store.js';

let dir: string;
let now: number;
const clock = { now: () => now };
const storeWith = (limits: Partial<SourceLimits> = {}) => new SourceStore(dir, { clock, limits: { maxBytes: 1024, ...limits } });
const bytes = (n: number) => Readable.from([Buffer.alloc(n)]);
const text = async (r: Readable) => { let s = ''; for await (const c of r) s += String(c); return s; };
const tarballs = async () => (await readdir(dir)).filter((n) => n.endsWith('.tgz'));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-sources-'));
  now = Date.UTC(2026, 0, 1);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('SourceStore', () => {
  it('takes one upload through the put secret and gives it back through the get secret only', async () => {
    const store = storeWith();
    const g = await store.create('alice');
    expect(await store.receive(g.id, g.putSecret, Readable.from([Buffer.from('tarball')]))).toBe(7);
    expect(await text((await store.open(g.id, g.getSecret)).stream)).toBe('tarball');
    await expect(store.open(g.id, g.putSecret)).rejects.toMatchObject({ code: 'source_not_found' });
    await expect(store.receive(g.id, g.getSecret, bytes(10))).rejects.toMatchObject({ code: 'source_not_found' });
  });

  it('refuses a PUT with no POST before it, and a guessed id or secret, storing nothing', async () => {
    const store = storeWith();
    const g = await store.create('alice');
    await expect(store.receive(newSourceId(), newSourceSecret(), bytes(10))).rejects.toMatchObject({ code: 'source_not_found' });
    await expect(store.receive(g.id, newSourceSecret(), bytes(10))).rejects.toMatchObject({ code: 'source_not_found' });
    await expect(store.receive('../../etc/passwd', g.putSecret, bytes(10))).rejects.toMatchObject({ code: 'source_not_found' });
    await expect(store.open(g.id, newSourceSecret())).rejects.toMatchObject({ code: 'source_not_found' });
    expect(await tarballs()).toEqual([]);
  });

  it('takes only one PUT per put URL, even a second one that starts while the first is running', async () => {
    const store = storeWith();
    const g = await store.create('alice');
    const slow = new Readable({ read() {} });
    const first = store.receive(g.id, g.putSecret, slow);
    await expect(store.receive(g.id, g.putSecret, Readable.from([Buffer.from('evil')]))).rejects.toMatchObject({ code: 'conflict' });
    slow.push('good');
    slow.push(null);
    expect(await first).toBe(4);
    await expect(store.receive(g.id, g.putSecret, Readable.from([Buffer.from('evil')]))).rejects.toMatchObject({ code: 'conflict' });
    expect(await text((await store.open(g.id, g.getSecret)).stream)).toBe('good');
  });

  it('stops honouring both URLs after an hour, and sweeps what expired', async () => {
    const store = storeWith();
    const unused = await store.create('alice');
    const uploaded = await store.create('alice');
    await store.receive(uploaded.id, uploaded.putSecret, bytes(10));
    now += 60 * 60_000 + 1;
    await expect(store.receive(unused.id, unused.putSecret, bytes(10))).rejects.toMatchObject({ code: 'source_not_found', message: expect.stringContaining('expired') });
    await expect(store.open(uploaded.id, uploaded.getSecret)).rejects.toMatchObject({ code: 'source_not_found' });
    await store.sweep();
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps a source a build took past the hour, until the build removes it', async () => {
    const store = storeWith();
    const g = await store.create('alice');
    await store.receive(g.id, g.putSecret, bytes(10));
    const file = await store.take(store.stored(g.id, g.getSecret));
    expect(() => store.stored(g.id, g.getSecret)).toThrow(/already being built/);
    now += 2 * 60 * 60_000;
    expect(await store.sweep()).toBe(0);
    expect(await tarballs()).toEqual([file.split('/').pop()]);
    await store.remove(g.id);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses an upload over the size limit, leaving no file and a spent URL', async () => {
    const store = storeWith();
    const g = await store.create('alice');
    await expect(store.receive(g.id, g.putSecret, bytes(2048))).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(await readdir(dir)).toEqual([]);
    await expect(store.receive(g.id, g.putSecret, bytes(10))).rejects.toMatchObject({ code: 'source_not_found' });
  });

  it('holds each user to a count of pending sources, without touching other users', async () => {
    const store = storeWith({ maxPendingPerUser: 2 });
    await store.create('alice');
    await store.create('alice');
    await expect(store.create('alice')).rejects.toMatchObject({ code: 'quota_exceeded', message: expect.stringContaining('limit is 2') });
    await store.create('bob');
    now += 60 * 60_000 + 1; // expired ones no longer count
    await store.create('alice');
  });

  it('holds each user to a byte quota across sources, by the declared and by the actual size, storing nothing over it', async () => {
    const store = storeWith({ maxPendingBytesPerUser: 1500 });
    const a = await store.create('alice');
    await store.receive(a.id, a.putSecret, bytes(1000));
    const declared = await store.create('alice');
    await expect(store.receive(declared.id, declared.putSecret, bytes(10), 1000)).rejects.toMatchObject({ code: 'quota_exceeded' });
    const undeclared = await store.create('alice');
    await expect(store.receive(undeclared.id, undeclared.putSecret, bytes(1000))).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(await tarballs()).toEqual([`${a.id}.tgz`]);
    const bob = await store.create('bob');
    expect(await store.receive(bob.id, bob.putSecret, bytes(1000))).toBe(1000);
  });

  it('keeps its sources across a restart, and keeps only hashes of the secrets on disk', async () => {
    const first = storeWith();
    const g = await first.create('alice');
    await first.receive(g.id, g.putSecret, Readable.from([Buffer.from('kept')]));
    const onDisk = (await readdir(dir)).join(' ');
    const records = await Promise.all((await readdir(dir)).filter((n) => n.endsWith('.json')).map((n) => readFile(join(dir, n), 'utf8')));
    expect(records.join('') + onDisk).not.toContain(g.getSecret);
    expect(records.join('') + onDisk).not.toContain(g.putSecret);
    const second = storeWith();
    expect(await text((await second.open(g.id, g.getSecret)).stream)).toBe('kept');
    await expect(second.receive(g.id, g.putSecret, bytes(1))).rejects.toMatchObject({ code: 'conflict' });
    // An upload cut off by a restart does not reopen its URL.
    const cut = await second.create('alice');
    void second.receive(cut.id, cut.putSecret, new Readable({ read() {} })).catch(() => undefined);
    const onDiskState = () => readFile(join(dir, `${cut.id}.json`), 'utf8').then((t) => (JSON.parse(t) as { state: string }).state, () => '');
    while ((await onDiskState()) !== 'receiving') await new Promise((r) => setImmediate(r));
    await expect(storeWith().receive(cut.id, cut.putSecret, bytes(1))).rejects.toMatchObject({ code: 'source_not_found' });
  });
});
