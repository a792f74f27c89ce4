import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SourceStore } from './source-store.js';

let dir: string;
let store: SourceStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-sources-'));
  store = new SourceStore(dir, 1024);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('SourceStore', () => {
  it('keeps an upload until it is removed, and refuses one over the limit without a partial file', async () => {
    const id = store.create();
    expect(await store.receive(id, Readable.from([Buffer.alloc(100)]))).toBe(100);
    expect((await store.open(id)).size).toBe(100);
    await store.remove(id);
    expect(() => store.pathOf(id)).toThrow(/Couldn't find that source/);
    const big = store.create();
    await expect(store.receive(big, Readable.from([Buffer.alloc(2048)]))).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('sweeps uploads older than the age limit and keeps fresh ones', async () => {
    const old = store.create();
    const fresh = store.create();
    await store.receive(old, Readable.from([Buffer.from('old')]));
    await store.receive(fresh, Readable.from([Buffer.from('fresh')]));
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(dir, `${old}.tgz`), twoHoursAgo, twoHoursAgo);
    expect(await store.sweep(3600_000)).toBe(1);
    expect(() => store.pathOf(old)).toThrow();
    expect(store.pathOf(fresh)).toContain(fresh);
  });

  it('refuses ids that are not its own shape, so no path can be reached through one', async () => {
    expect(() => store.pathOf('../../etc/passwd')).toThrow(/Couldn't find that source/);
    await store.remove('../../etc/passwd');
  });
});
