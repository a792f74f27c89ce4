// Uploaded source tarballs (Heroku's /sources): an unguessable id, a PUT that stores the bytes,
// a GET that returns them. Like a pre-signed URL, the id is the credential.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../domain/errors.js';

export const MAX_SOURCE_BYTES = 512 * 1024 * 1024;
const SOURCE_ID = /^[A-Za-z0-9_-]{32,64}$/;

export class SourceStore {
  constructor(private readonly dir: string, private readonly maxBytes = MAX_SOURCE_BYTES) {
    mkdirSync(dir, { recursive: true });
  }

  create(): string {
    return randomBytes(24).toString('base64url');
  }

  private file(id: string): string {
    if (!SOURCE_ID.test(id)) throw new BerthError('source_not_found', "Couldn't find that source.", 'source');
    return join(this.dir, `${id}.tgz`);
  }

  /** Stores the upload; refuses more than maxBytes without keeping a partial file. */
  async receive(id: string, body: Readable): Promise<number> {
    const target = this.file(id);
    const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
    let bytes = 0;
    const limit = this.maxBytes;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > limit) return done(new BerthError('payload_too_large', `Source is larger than ${limit} bytes.`, 'source'));
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(partial));
      await rename(partial, target);
      return bytes;
    } catch (e) {
      await rm(partial, { force: true });
      throw e;
    }
  }

  async open(id: string): Promise<{ stream: Readable; size: number }> {
    const file = this.file(id);
    if (!existsSync(file)) throw new BerthError('source_not_found', "Couldn't find that source (not uploaded yet?).", 'source');
    return { stream: createReadStream(file), size: (await stat(file)).size };
  }

  /** The local file behind a source id, for the build to extract. */
  pathOf(id: string): string {
    const file = this.file(id);
    if (!existsSync(file)) throw new BerthError('source_not_found', "Couldn't find that source (not uploaded yet?).", 'source');
    return file;
  }

  /** Deletes a source once its build has used it; unknown ids are a no-op. */
  async remove(id: string): Promise<void> {
    if (SOURCE_ID.test(id)) await rm(join(this.dir, `${id}.tgz`), { force: true });
  }

  /** Deletes uploads (and partial uploads) older than maxAgeMs: ones nobody built. Returns how many. */
  async sweep(maxAgeMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const file = join(this.dir, name);
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile() && now - info.mtimeMs > maxAgeMs) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Sweeps at start and then every `everyMs` until the signal aborts, so unbuilt uploads cannot pile up. */
  start(signal: AbortSignal, opts: { maxAgeMs: number; everyMs: number }): void {
    const sweep = () => void this.sweep(opts.maxAgeMs).catch(() => undefined);
    sweep();
    const timer = setInterval(sweep, opts.everyMs);
    timer.unref();
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }
}
