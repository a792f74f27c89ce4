// A broker's own record of each instance (plan, port, password): one JSON file per instance,
// readable by root only. The platform's store never sees these secrets.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { checkInstanceId } from './broker.js';

/** A password safe inside a URL and an SQL string literal without escaping: hex only. */
export const newPassword = (): string => randomBytes(24).toString('hex');

export class InstanceRecords<T extends object> {
  constructor(private readonly dir: string) {}

  private file(id: string): string {
    return join(this.dir, `${checkInstanceId(id)}.json`);
  }

  async get(id: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.file(id), 'utf8')) as T;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Written to a temp file and renamed, so a crash never leaves half a record. */
  async put(id: string, record: T): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file(id)}.tmp`;
    await writeFile(tmp, JSON.stringify(record), { mode: 0o600 });
    await rename(tmp, this.file(id));
  }

  async delete(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
  }

  async ids(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length));
  }
}
