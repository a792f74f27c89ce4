// Uploaded source tarballs (Heroku's /sources). An authenticated POST /sources makes a source owned
// by its user, within that user's quota of pending sources; its put_url takes exactly one PUT and
// its get_url only reads; both carry their own 256-bit secret and expire after an hour. A build
// takes a stored source once and deletes it when it ends.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../domain/errors.js';
import type { Clock } from '../platform/clock.js';
import { hashSourceSecret, newSourceId, newSourceSecret, secretMatches, SOURCE_ID_PATTERN } from './source-capability.js';
import { SourceRecords, type SourceRecord } from './source-records.js';

export interface SourceLimits {
  /** Largest single source. */
  maxBytes: number;
  /** Sources one user may hold at once (not yet uploaded, uploaded, or being built). */
  maxPendingPerUser: number;
  /** Bytes those sources may take together. */
  maxPendingBytesPerUser: number;
  /** How long the put_url and get_url work. */
  ttlMs: number;
  /** A source a build took is deleted by the build; this is the backstop if the server died meanwhile. */
  buildingTtlMs: number;
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  maxBytes: 512 * 1024 * 1024,
  maxPendingPerUser: 20,
  maxPendingBytesPerUser: 1024 * 1024 * 1024,
  ttlMs: 60 * 60_000,
  buildingTtlMs: 24 * 60 * 60_000,
};

/** What POST /sources hands out: the secrets appear here once and are never stored. */
export interface SourceGrant {
  id: string;
  putSecret: string;
  getSecret: string;
  expiresAt: number;
}

/** A stored source a build may use. */
export interface SourceBlob {
  id: string;
  ownerId: string;
}

// One message for an unknown id, a wrong secret and a deleted source, so a guess learns nothing.
const notFound = () => new BerthError('source_not_found', "Couldn't find that source.", 'source');

export class SourceStore {
  private readonly records: SourceRecords;
  private readonly limits: SourceLimits;

  constructor(private readonly dir: string, private readonly deps: { clock: Pick<Clock, 'now'>; limits?: Partial<SourceLimits> }) {
    this.records = new SourceRecords(dir);
    this.limits = { ...DEFAULT_SOURCE_LIMITS, ...deps.limits };
  }

  /** A new source for `ownerId`, refused when the owner already holds their quota of pending ones. */
  async create(ownerId: string): Promise<SourceGrant> {
    const now = this.deps.clock.now();
    const held = this.records.ownedBy(ownerId).filter((r) => !this.expired(r, now));
    if (held.length >= this.limits.maxPendingPerUser) {
      throw new BerthError('quota_exceeded', `You already have ${held.length} pending sources (the limit is ${this.limits.maxPendingPerUser}); build them or wait for them to expire within an hour.`, 'source');
    }
    const grant: SourceGrant = { id: newSourceId(), putSecret: newSourceSecret(), getSecret: newSourceSecret(), expiresAt: now + this.limits.ttlMs };
    await this.records.save({
      id: grant.id, ownerId, putHash: hashSourceSecret(grant.putSecret), getHash: hashSourceSecret(grant.getSecret),
      createdAt: now, expiresAt: grant.expiresAt, state: 'waiting', bytes: 0,
    });
    return grant;
  }

  /**
   * Stores the one upload of a put URL. Refuses a wrong secret, a second PUT, an expired URL, and
   * more than the size or the owner's byte quota allows; a refused upload leaves no file, and its
   * URL is spent.
   */
  async receive(id: string, putSecret: string, body: Readable, declaredBytes?: number): Promise<number> {
    const record = this.find(id, putSecret, 'putHash');
    if (record.state !== 'waiting') throw new BerthError('conflict', 'This put_url has already been used; ask POST /sources for a new one.', 'source');
    record.state = 'receiving'; // synchronously, so a concurrent second PUT sees it
    const { maxBytes, maxPendingBytesPerUser } = this.limits;
    // Counted live over all the owner's sources, so parallel uploads cannot each pass alone.
    const overLimit = (): BerthError | undefined => {
      if (record.bytes > maxBytes) return new BerthError('payload_too_large', `Source is larger than ${maxBytes} bytes.`, 'source');
      if (this.bytesHeldBy(record.ownerId) > maxPendingBytesPerUser) {
        return new BerthError('quota_exceeded', `Your pending sources may take ${maxPendingBytesPerUser} bytes in all, and this upload would pass that; build the ones you have or let them expire.`, 'source');
      }
      return undefined;
    };
    const target = this.file(id);
    const partial = `${target}.${randomBytes(4).toString('hex')}.partial`;
    try {
      // On disk too: a restart in the middle of this upload must not reopen the URL for another PUT.
      await this.records.save(record);
      record.bytes = declaredBytes ?? 0;
      const early = overLimit();
      if (early) throw early;
      record.bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          record.bytes += chunk.length;
          done(overLimit() ?? null, chunk);
        },
      });
      await pipeline(body, counter, createWriteStream(partial, { mode: 0o600 }));
      await rename(partial, target);
      record.state = 'stored';
      await this.records.save(record);
      return record.bytes;
    } catch (e) {
      await rm(partial, { force: true });
      await this.records.delete(id);
      throw e;
    }
  }

  /** The bytes behind a get URL. */
  async open(id: string, getSecret: string): Promise<{ stream: Readable; size: number }> {
    const record = this.find(id, getSecret, 'getHash');
    if (record.state === 'waiting' || record.state === 'receiving') {
      throw new BerthError('source_not_found', "That source has not been uploaded yet: PUT it to its put_url first.", 'source');
    }
    const file = this.file(id);
    const size = (await stat(file).catch(() => { throw notFound(); })).size;
    const stream = createReadStream(file);
    return { stream, size };
  }

  /** The stored source behind a get URL, unchanged; a build checks who owns it before it takes it. */
  stored(id: string, getSecret: string): SourceBlob {
    const record = this.find(id, getSecret, 'getHash');
    if (record.state === 'waiting' || record.state === 'receiving') {
      throw new BerthError('invalid_params', 'That source has not been uploaded yet: PUT the tarball to its put_url before creating the build.', 'source');
    }
    if (record.state === 'building') throw new BerthError('conflict', 'That source is already being built; upload it again (POST /sources) for another build.', 'source');
    return { id: record.id, ownerId: record.ownerId };
  }

  /** Takes a stored source for one build, so it neither expires under the build nor feeds a second one. */
  async take(blob: SourceBlob): Promise<string> {
    const record = this.records.get(blob.id);
    if (!record || record.state !== 'stored') throw new BerthError('conflict', 'That source is already being built; upload it again (POST /sources) for another build.', 'source');
    record.state = 'building';
    await this.records.save(record);
    return this.file(blob.id);
  }

  /** Deletes a source once its build has used it; unknown ids are a no-op. */
  async remove(id: string): Promise<void> {
    if (!SOURCE_ID_PATTERN.test(id)) return;
    await this.records.delete(id);
    await rm(this.file(id), { force: true });
  }

  /** Deletes expired sources, and files no source owns (left by a crash) once they are older than the URLs live. */
  async sweep(): Promise<number> {
    const now = this.deps.clock.now();
    let removed = 0;
    for (const record of this.records.all()) {
      if (!this.expired(record, now)) continue;
      await this.remove(record.id);
      removed++;
    }
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const id = name.split('.')[0]!;
      if (this.records.get(id)) continue;
      const file = join(this.dir, name);
      const info = await stat(file).catch(() => undefined);
      if (info?.isFile() && now - info.mtimeMs > this.limits.ttlMs) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Sweeps at start and then every `everyMs` until the signal aborts, so unbuilt uploads cannot pile up. */
  start(signal: AbortSignal, opts: { everyMs: number; onError(e: Error): void }): void {
    const sweep = () => void this.sweep().catch(opts.onError);
    sweep();
    const timer = setInterval(sweep, opts.everyMs);
    timer.unref();
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }

  private find(id: string, secret: string, which: 'putHash' | 'getHash'): SourceRecord {
    const record = SOURCE_ID_PATTERN.test(id) ? this.records.get(id) : undefined;
    if (!record || !secretMatches(secret, record[which])) throw notFound();
    if (this.expired(record, this.deps.clock.now())) {
      // Left for the sweep to delete: one owner of deletion, and no race with a sweep in progress.
      throw new BerthError('source_not_found', 'That source URL has expired (they work for an hour); ask POST /sources for a new one.', 'source');
    }
    return record;
  }

  private expired(record: SourceRecord, now: number): boolean {
    if (record.state === 'receiving') return false;
    if (record.state === 'building') return now > record.createdAt + this.limits.buildingTtlMs;
    return now > record.expiresAt;
  }

  private bytesHeldBy(ownerId: string): number {
    const now = this.deps.clock.now();
    return this.records.ownedBy(ownerId).filter((r) => !this.expired(r, now)).reduce((sum, r) => sum + r.bytes, 0);
  }

  private file(id: string): string {
    return join(this.dir, `${id}.tgz`);
  }
}
