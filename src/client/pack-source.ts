// Packs an app directory into a .tar.gz for `berth deploy [dir]`, leaving out what
// .gitignore and .slugignore exclude, so the upload is what `git push` would send.
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { IgnoreRules } from './ignore-rules.js';

export interface PackOptions {
  /**
   * Called as file content is packed: bytes read so far and the total content size,
   * both uncompressed (the total is known before packing starts).
   */
  onProgress?(done: number, total: number): void;
}

export interface PackedSource {
  /** The .tar.gz, in a private temporary directory; upload it, then call `remove`. */
  file: string;
  /** Size of `file`, for the upload's Content-Length and progress bar. */
  bytes: number;
  /** Files and symlinks packed (directories not counted). */
  files: number;
  /** Deletes `file` and its temporary directory. */
  remove(): Promise<void>;
}

/**
 * Everything is packed under one top directory, `source/`. The platform strips a
 * single top directory (as Heroku does for GitHub tarballs), so an app whose only
 * content is one folder must not be mistaken for such a wrapper: with the wrapper
 * always present, what is stripped is always exactly this.
 */
export const PACK_TOP_DIR = 'source';

/** One path that will be packed, relative to the packed directory. */
export interface PackEntry {
  rel: string;
  abs: string;
  type: 'directory' | 'file' | 'symlink';
  size: number;
  mode: number;
  mtime: Date;
  linkname?: string;
}

/**
 * Packs `dir` into a temporary .tar.gz. Written to a file rather than streamed so the
 * upload knows its size up front. Always leaves out `.git`; keeps symlinks as links
 * (never follows them); skips sockets, fifos and devices, which the platform refuses.
 */
export async function packSource(dir: string, opts: PackOptions = {}): Promise<PackedSource> {
  const entries = await listSource(dir);
  const total = entries.reduce((sum, e) => sum + (e.type === 'file' ? e.size : 0), 0);
  const tmp = await mkdtemp(join(tmpdir(), 'berth-pack-'));
  const file = join(tmp, 'source.tar.gz');
  const remove = () => rm(tmp, { recursive: true, force: true });
  try {
    const pack = tar.pack();
    const written = pipeline(Readable.from(pack), createGzip(), createWriteStream(file));
    try {
      await writeEntries(pack, entries, total, opts.onProgress);
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
      await written.catch(() => undefined); // the packing error is the one worth reporting
      throw err;
    }
    await written;
    const files = entries.filter((e) => e.type !== 'directory').length;
    return { file, bytes: (await stat(file)).size, files, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** Walks `dir` in a stable order, applying the ignore files as git would. */
export async function listSource(dir: string): Promise<PackEntry[]> {
  const gitignore = new IgnoreRules();
  // Heroku reads .slugignore only at the root. It is kept apart from .gitignore so
  // that a `!` in one file cannot re-include what the other excludes.
  const slugignore = new IgnoreRules().add(await readOptional(join(dir, '.slugignore')));
  const out: PackEntry[] = [];

  async function walk(relDir: string): Promise<void> {
    const absDir = relDir === '' ? dir : join(dir, relDir);
    // A directory's own .gitignore applies to its contents; parents were added first.
    gitignore.add(await readOptional(join(absDir, '.gitignore')), relDir);
    const names = (await readdir(absDir)).sort();
    for (const name of names) {
      if (name === '.git') continue;
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const abs = join(absDir, name);
      const info = await lstat(abs);
      const isDir = info.isDirectory();
      if (gitignore.matches(rel, isDir) || slugignore.matches(rel, isDir)) continue;
      const base = { rel, abs, size: info.size, mode: info.mode & 0o777, mtime: info.mtime };
      if (isDir) {
        out.push({ ...base, type: 'directory', size: 0 });
        await walk(rel);
      } else if (info.isFile()) {
        out.push({ ...base, type: 'file' });
      } else if (info.isSymbolicLink()) {
        out.push({ ...base, type: 'symlink', size: 0, linkname: await readlink(abs) });
      }
    }
  }

  await walk('');
  return out;
}

async function writeEntries(pack: tar.Pack, entries: readonly PackEntry[], total: number, onProgress: PackOptions['onProgress']): Promise<void> {
  let done = 0;
  onProgress?.(done, total);
  await addEntry(pack, { name: `${PACK_TOP_DIR}/`, type: 'directory', mode: 0o755 });
  for (const e of entries) {
    const name = `${PACK_TOP_DIR}/${e.rel}`;
    if (e.type === 'directory') {
      await addEntry(pack, { name: `${name}/`, type: 'directory', mode: e.mode, mtime: e.mtime });
    } else if (e.type === 'symlink') {
      await addEntry(pack, { name, type: 'symlink', linkname: e.linkname ?? '', mode: e.mode, mtime: e.mtime });
    } else {
      await addFile(pack, name, e, (n) => {
        done += n;
        onProgress?.(done, total);
      });
    }
  }
}

function addEntry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
}

async function addFile(pack: tar.Pack, name: string, e: PackEntry, onBytes: (n: number) => void): Promise<void> {
  let sink!: ReturnType<tar.Pack['entry']>;
  const finished = new Promise<void>((resolve, reject) => {
    sink = pack.entry({ name, type: 'file', size: e.size, mode: e.mode, mtime: e.mtime }, (err) => (err ? reject(err) : resolve()));
  });
  finished.catch(() => undefined); // awaited below; an early throw here must not leave it unhandled
  let read = 0;
  if (e.size > 0) {
    // Tar needs the size up front: read exactly what lstat saw, and fail loudly if
    // the file shrank in between rather than pad or corrupt the archive.
    for await (const chunk of createReadStream(e.abs, { start: 0, end: e.size - 1 })) {
      const buf = chunk as Buffer;
      read += buf.length;
      if (!sink.write(buf)) await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
      onBytes(buf.length);
    }
  }
  if (read !== e.size) throw new Error(`${e.rel} changed while it was being packed; try again`);
  sink.end(null);
  await finished;
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
