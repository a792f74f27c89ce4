// What the source store remembers about each upload, kept as one small JSON file per source so that
// URLs handed out before a restart keep working after it. Never the secrets: only their hashes.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SOURCE_ID_PATTERN } from './source-capability.js';

export type SourceState =
  /** POST /sources answered; nothing uploaded yet. */
  | 'waiting'
  /** The one PUT is streaming in. */
  | 'receiving'
  /** Uploaded; a build may use it until it expires. */
  | 'stored'
  /** A build has taken it; the build deletes it when it ends. */
  | 'building';

export interface SourceRecord {
  id: string;
  /** The user whose POST /sources made it; only builds of apps this user may deploy can use it. */
  ownerId: string;
  putHash: string;
  getHash: string;
  createdAt: number;
  /** Both URLs stop working at this time (Heroku's last an hour). */
  expiresAt: number;
  state: SourceState;
  bytes: number;
}

export class SourceRecords {
  private readonly byId = new Map<string, SourceRecord>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : '';
      if (!SOURCE_ID_PATTERN.test(id)) continue;
      try {
        const record = JSON.parse(readFileSync(join(dir, name), 'utf8')) as SourceRecord;
        // An upload cut off by a restart will never finish; its URL was single-use anyway.
        if (record.id === id && record.state !== 'receiving') this.byId.set(id, record);
      } catch {
        // A record half-written at a crash names nothing usable; the sweep removes its files.
      }
    }
  }

  get(id: string): SourceRecord | undefined {
    return this.byId.get(id);
  }

  all(): SourceRecord[] {
    return [...this.byId.values()];
  }

  ownedBy(ownerId: string): SourceRecord[] {
    return this.all().filter((r) => r.ownerId === ownerId);
  }

  /** Updates memory at once (callers decide on it synchronously) and then the file. */
  async save(record: SourceRecord): Promise<void> {
    this.byId.set(record.id, record);
    const file = join(this.dir, `${record.id}.json`);
    const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
    await writeFile(partial, JSON.stringify(record), { mode: 0o600 });
    // Removed while being written: do not bring it back.
    if (this.byId.get(record.id) !== record) return void (await rm(partial, { force: true }));
    await rename(partial, file);
  }

  async delete(id: string): Promise<void> {
    this.byId.delete(id);
    await rm(join(this.dir, `${id}.json`), { force: true });
  }
}
