// Node.js release tarballs kept on this host, one file per package and version, shared by every
// app: only Berth writes here, and only bytes that matched the registry's integrity. A cached file
// is checked again on every use, so a registry that changed its mind (or a damaged file) means a
// fresh download, never a wrong Node.js.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../../../domain/errors.js';
import type { Clock } from '../../../platform/clock.js';
import { formatSize } from '../../slug-files.js';
import type { NodeReleaseSource } from './npm-registry.js';
import type { NodeRelease } from './node-releases.js';

/** The sha512 digest an SRI string promises (`sha512-<base64>`, possibly among other hashes). */
function expectedSha512(integrity: string): string {
  const entry = integrity.split(/\s+/).find((e) => e.startsWith('sha512-'));
  if (!entry) throw new BerthError('build_failed', `The registry gives no sha512 integrity (${integrity}); Berth installs only verified releases.`);
  return entry.slice('sha512-'.length).split('?')[0]!;
}

async function sha512OfFile(file: string): Promise<string | undefined> {
  const hash = createHash('sha512');
  try {
    await pipeline(createReadStream(file), hash);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return hash.digest('base64');
}

/** A release no build has used for this long leaves the cache; the next build that wants it downloads it again. */
export const UNUSED_RELEASE_MS = 90 * 24 * 60 * 60 * 1000;
/** A partial download this old was left by a Berth that died while downloading (no download takes an hour). */
const STALE_PART_MS = 60 * 60 * 1000;

export class NodeReleaseCache {
  /** One download per file at a time, however many builds want it. */
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(private readonly dir: string, private readonly source: NodeReleaseSource, private readonly clock: Pick<Clock, 'now'>) {}

  /** The path of the verified tarball of `release`, downloaded unless a good copy is here. */
  async fetch(packageName: string, release: NodeRelease, log: (line: string) => void, signal?: AbortSignal): Promise<string> {
    const file = path.join(this.dir, `${packageName}-${release.version}.tgz`);
    const running = this.inFlight.get(file);
    if (running) {
      log(`       waiting for another build's download of ${release.version}`);
      return running;
    }
    const job = this.fetchOnce(file, release, log, signal)
      .then(async (got) => {
        // The file's mtime says when a build last used it: what nobody used for long goes.
        const now = new Date(this.clock.now());
        await utimes(got, now, now);
        await this.removeUnused();
        return got;
      })
      .finally(() => this.inFlight.delete(file));
    this.inFlight.set(file, job);
    return job;
  }

  private async fetchOnce(file: string, release: NodeRelease, log: (line: string) => void, signal?: AbortSignal): Promise<string> {
    const expected = expectedSha512(release.integrity);
    const cached = await sha512OfFile(file);
    if (cached === expected) {
      log(`       cached (${formatSize((await stat(file)).size)})`);
      return file;
    }
    if (cached !== undefined) log('       the cached copy does not match the registry\'s integrity: downloading it again');
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    const part = `${file}.${randomBytes(6).toString('hex')}.part`;
    const started = this.clock.now();
    const hash = createHash('sha512');
    let bytes = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, done) { hash.update(chunk); bytes += chunk.length; done(null, chunk); },
    });
    try {
      const body = await this.source.open(release.tarball, signal);
      await pipeline(body, measure, createWriteStream(part, { mode: 0o644 }), { signal });
      const got = hash.digest('base64');
      if (got !== expected) {
        throw new BerthError('build_failed',
          `The Node.js ${release.version} tarball from ${release.tarball} does not match the registry's integrity ` +
          `(sha512 ${got.slice(0, 16)}…, expected ${expected.slice(0, 16)}…); it was not installed.`);
      }
      await rename(part, file);
    } catch (e) {
      await rm(part, { force: true });
      if (e instanceof BerthError) throw e;
      throw new BerthError('build_failed', `Downloading Node.js ${release.version} from ${release.tarball} failed: ${(e as Error).message}`);
    }
    const seconds = ((this.clock.now() - started) / 1000).toFixed(1);
    log(`       downloaded ${formatSize(bytes)} in ${seconds} s`);
    return file;
  }

  private async removeUnused(): Promise<void> {
    const now = this.clock.now();
    for (const name of await readdir(this.dir)) {
      const limit = name.endsWith('.tgz') ? UNUSED_RELEASE_MS : name.endsWith('.part') ? STALE_PART_MS : undefined;
      if (limit === undefined) continue;
      const st = await stat(path.join(this.dir, name)).catch(() => undefined);
      if (st && st.mtimeMs < now - limit) await rm(path.join(this.dir, name), { force: true });
    }
  }
}
