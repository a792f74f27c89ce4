import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync, createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { DEFAULT_EXTRACT_LIMITS, extractSourceTarball } from './tarball.js';

type Entry = Partial<tar.Header> & { name: string; body?: string | Buffer };

/** Packs entries into a plain tar buffer; gzip it with gzipSync when needed. */
async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => { for await (const c of pack) chunks.push(c as Buffer); })();
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      pack.entry({ mode: 0o644, ...header }, body ?? '', (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

const tgz = async (entries: Entry[]): Promise<Readable> => Readable.from([gzipSync(await tarOf(entries))]);

/**
 * A gzip stream with one entry claiming `size` bytes of zeros, generated only as
 * fast as the reader pulls. `produced()` tells how much the extractor made us inflate.
 */
function lazyBomb(size: number): { stream: Readable; produced(): number; stop(): void } {
  const pack = tar.pack();
  let produced = 0;
  const entry = pack.entry({ name: 'bomb.bin', size, mode: 0o644 });
  const zeros = Buffer.alloc(64 * 1024);
  void (async () => {
    while (produced < size && !entry.destroyed) {
      const n = Math.min(zeros.length, size - produced);
      produced += n;
      if (!entry.write(zeros.subarray(0, n))) await new Promise<void>((r) => entry.once('drain', () => r()));
    }
  })();
  const gzip = createGzip();
  const stream = Readable.from(pack).pipe(gzip);
  return { stream, produced: () => produced, stop: () => { pack.destroy(); gzip.destroy(); } };
}

let root: string;
let dest: string;
let outside: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-tarball-'));
  dest = join(root, 'dest');
  outside = join(root, 'outside');
  await mkdir(outside);
});
afterEach(async () => { await rm(root, { recursive: true, force: true }); });

async function expectRefused(input: Readable | string, message: RegExp, limits = {}): Promise<void> {
  await expect(extractSourceTarball(input, dest, limits)).rejects.toMatchObject({ code: 'unsafe_tarball', message: expect.stringMatching(message) });
  expect(await readdir(outside)).toEqual([]);
  expect(await readdir(dest)).toEqual([]); // refused archives leave no partial tree either
}

describe('extractSourceTarball: accepted archives', () => {
  it('unpacks files, directories and inside links, capping modes', async () => {
    const result = await extractSourceTarball(await tgz([
      { name: 'app/', type: 'directory', mode: 0o700 },
      { name: 'app/index.js', body: 'hello', mode: 0o4777 },
      { name: 'app/README', body: 'read me', mode: 0o666 },
      { name: 'lib/shared.js', body: 'shared' },
      { name: 'app/shared.js', type: 'symlink', linkname: '../lib/shared.js' },
      { name: 'app/copy', type: 'link', linkname: 'app/README' },
    ]), dest);
    expect(result).toEqual({ entries: 6, bytes: 18 });
    expect((await stat(join(dest, 'app'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(dest, 'app/index.js'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(dest, 'app/README'))).mode & 0o7777).toBe(0o644);
    expect(await readlink(join(dest, 'app/shared.js'))).toBe('../lib/shared.js');
    expect(await readFile(join(dest, 'app/shared.js'), 'utf8')).toBe('shared');
    expect((await stat(join(dest, 'app/copy'))).ino).toBe((await stat(join(dest, 'app/README'))).ino);
    expect((await readdir(dest)).sort()).toEqual(['app', 'lib']);
  });

  it('strips a single top-level directory like a GitHub tarball, unless told not to', async () => {
    const entries: Entry[] = [
      { name: 'project-abc123/', type: 'directory' },
      { name: 'project-abc123/Procfile', body: 'web: node .' },
      { name: 'project-abc123/src/a.js', body: 'a' },
      { name: 'project-abc123/link', type: 'symlink', linkname: 'src/a.js' },
    ];
    await extractSourceTarball(await tgz(entries), dest);
    expect((await readdir(dest)).sort()).toEqual(['Procfile', 'link', 'src']);
    expect(await readFile(join(dest, 'link'), 'utf8')).toBe('a');

    const kept = join(root, 'kept');
    await extractSourceTarball(await tgz(entries), kept, { stripSingleTopDir: false });
    expect(await readdir(kept)).toEqual(['project-abc123']);
  });

  it('does not strip when the root holds more than one entry or a single file', async () => {
    await extractSourceTarball(await tgz([{ name: './src/a.js', body: 'a' }, { name: './Procfile', body: 'p' }]), dest);
    expect((await readdir(dest)).sort()).toEqual(['Procfile', 'src']);
    const single = join(root, 'single');
    await extractSourceTarball(await tgz([{ name: 'index.js', body: 'x' }]), single);
    expect(await readdir(single)).toEqual(['index.js']);
  });

  it('accepts a plain .tar from a file path', async () => {
    const file = join(root, 'source.tar');
    await writeFile(file, await tarOf([{ name: 'a.txt', body: 'plain' }, { name: 'b.txt', body: 'tar' }]));
    expect(await extractSourceTarball(file, dest)).toEqual({ entries: 2, bytes: 8 });
    expect(await readFile(join(dest, 'a.txt'), 'utf8')).toBe('plain');
  });
});

describe('extractSourceTarball: refused archives', () => {
  it('refuses an absolute path', async () => {
    await expectRefused(await tgz([{ name: 'ok.txt', body: 'x' }, { name: `${outside}/pwned`, body: 'x' }]), /outside\/pwned.*absolute path/);
  });

  it('refuses a ".." segment', async () => {
    await expectRefused(await tgz([{ name: '../outside/pwned', body: 'x' }]), /"\.\.\/outside\/pwned" contains a "\.\." path segment/);
    await expectRefused(await tgz([{ name: 'a/../../outside/pwned', body: 'x' }]), /contains a "\.\." path segment/);
  });

  it('refuses a symlink to /etc, and so the write through it never happens', async () => {
    await expectRefused(await tgz([
      { name: 'link', type: 'symlink', linkname: '/etc' },
      { name: 'link/passwd', body: 'root::0:0::/:/bin/sh\n' },
    ]), /symlink "link" -> "\/etc" points to an absolute path/);
  });

  it('refuses relative symlinks that lead outside, however they are spelled', async () => {
    await expectRefused(await tgz([{ name: 'esc', type: 'symlink', linkname: '../outside' }, { name: 'esc/pwned', body: 'x' }]), /symlink "esc" -> "\.\.\/outside" points outside/);
    await expectRefused(await tgz([{ name: 'a/b', type: 'symlink', linkname: 'c/../../..' }]), /climbs with "\.\." after descending/);
  });

  it('refuses writing through an earlier symlink, even one that points inside', async () => {
    await expectRefused(await tgz([
      { name: 'real/', type: 'directory' },
      { name: 'alias', type: 'symlink', linkname: 'real' },
      { name: 'alias/file', body: 'x' },
    ]), /"alias\/file" would be written through the symlink "alias"/);
  });

  it('refuses hardlinks to outside files or to anything not extracted before', async () => {
    await expectRefused(await tgz([{ name: 'passwd', type: 'link', linkname: '/etc/passwd' }]), /hardlink "passwd" target "\/etc\/passwd" is an absolute path/);
    await expectRefused(await tgz([{ name: 'h', type: 'link', linkname: 'later.txt' }, { name: 'later.txt', body: 'x' }]), /hardlink "h" -> "later.txt" does not point to a regular file extracted earlier/);
    await expectRefused(await tgz([{ name: 's', type: 'symlink', linkname: 'x' }, { name: 'h', type: 'link', linkname: 's' }]), /hardlink "h" -> "s" does not point/);
  });

  it('refuses device files and fifos', async () => {
    await expectRefused(await tgz([{ name: 'null', type: 'character-device', devmajor: 1, devminor: 3 }]), /"null" is a character-device; device files, fifos and sockets are not allowed/);
    await expectRefused(await tgz([{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }]), /"sda" is a block-device/);
    await expectRefused(await tgz([{ name: 'pipe', type: 'fifo' }]), /"pipe" is a fifo/);
  });

  it('refuses more than maxEntries entries (default 10,000)', async () => {
    const entries: Entry[] = Array.from({ length: 10_001 }, (_, i) => ({ name: `d/f${i}` }));
    await expectRefused(await tgz(entries), /more than 10000 entries \(refused at "d\/f10000"\)/);
  }, 30_000);

  it('stops a compression bomb at the header, before inflating its body', async () => {
    const bomb = lazyBomb(256 * 1024 * 1024);
    await expectRefused(bomb.stream, /unpacks to more than 1048576 bytes \(refused at "bomb.bin"\)/, { maxBytes: 1024 * 1024 });
    // What was generated at all is only what the producer's own gzip buffers held.
    expect(bomb.produced()).toBeLessThan(32 * 1024 * 1024);
    bomb.stop();
  });

  it('counts bytes across entries while streaming', async () => {
    const chunk = Buffer.alloc(400 * 1024, 7);
    await expectRefused(await tgz([{ name: 'a', body: chunk }, { name: 'b', body: chunk }, { name: 'c', body: chunk }]), /more than 1048576 bytes \(refused at "c"\)/, { maxBytes: 1024 * 1024 });
  });

  it('defaults to 1 GiB and refuses an entry claiming more, without reading it', async () => {
    expect(DEFAULT_EXTRACT_LIMITS).toEqual({ maxEntries: 10_000, maxBytes: 1024 ** 3 });
    const bomb = lazyBomb(1024 ** 3 + 1);
    await expectRefused(bomb.stream, /unpacks to more than 1073741824 bytes \(refused at "bomb.bin"\)/);
    expect(bomb.produced()).toBeLessThan(64 * 1024 * 1024);
    bomb.stop();
  });

  it('stops endless zeros after the last entry', async () => {
    const body = Buffer.concat([await tarOf([{ name: 'a.txt', body: 'a' }]), Buffer.alloc(64 * 1024 * 1024)]);
    await expectRefused(Readable.from([gzipSync(body)]), /far more than its entries account for/);
  });

  it('refuses a link that only stays inside because of the top directory being stripped', async () => {
    await expectRefused(await tgz([
      { name: 'top/', type: 'directory' },
      { name: 'top/up', type: 'symlink', linkname: '..' },
    ]), /"top\/up" -> "\.\." would point outside the source once the top-level directory is stripped/);
  });

  it('refuses data that is not a tar archive', async () => {
    await expectRefused(Readable.from([gzipSync(Buffer.from('definitely not a tar header '.repeat(40)))]), /not a valid tar or tar.gz archive/);
  });

  it('refuses a directory replacing an earlier file', async () => {
    await expectRefused(await tgz([{ name: 'x', body: '1' }, { name: 'x/', type: 'directory' }]), /"x\/" conflicts with an earlier file/);
    expect((await lstat(root)).isDirectory()).toBe(true);
  });
});
