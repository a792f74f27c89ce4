// The on-disk state of local instances, which is what lets a new Berth process adopt instances
// an earlier one started: <stateDir>/instances/<id>/{instance.json, env, output.log, exit-code}.
import { chmod, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstanceSpec } from '../runtime.js';
import { INSTANCE_INIT_SCRIPT } from './instance-init-script.js';

export type IsolationMode = 'isolated' | 'plain';

const PLAIN_APPS_ROOT = join(tmpdir(), 'berth-plain-apps');

/** What Berth remembers about an instance. The env lives only in the 0600 env file. */
export interface InstanceRecord {
  id: string;
  spec: Omit<InstanceSpec, 'env'>;
  name: string;
  port: number;
  /** The instance's own address (isolated mode: its network namespace); absent means loopback. */
  address?: string;
  pid: number;
  /** /proc/<pid>/stat start time, to tell our process from a later one that reused the pid. */
  pidStartTime: number;
  startedAt: string;
  mode: IsolationMode;
}

/** What Berth remembers about a running one-off: enough to stop it if Berth is gone before it ends. */
export interface OneOffRecord {
  id: string;
  name: string;
  pid: number;
  pidStartTime: number;
  mode: IsolationMode;
}

export class InstanceStateDir {
  constructor(readonly root: string) {}

  get scriptPath(): string {
    return join(this.root, 'bin', 'instance-init.sh');
  }

  dir(id: string): string {
    return join(this.root, 'instances', id);
  }

  logPath(id: string): string {
    return join(this.dir(id), 'output.log');
  }

  /**
   * A private copy of the slug, the working directory when isolation is off. It lives outside the
   * 0700 state dir because, as root, the app runs under its own uid and must be able to reach
   * its files by absolute path; the parent is 0711 (enter, not list) and the copy belongs to the app.
   */
  plainAppDir(id: string): string {
    return join(PLAIN_APPS_ROOT, id);
  }

  async createPlainAppsRoot(): Promise<void> {
    await mkdir(PLAIN_APPS_ROOT, { recursive: true, mode: 0o711 });
    await chmod(PLAIN_APPS_ROOT, 0o711);
  }

  /** Writes the init script unless it is already current. Rename, because a running bash reads its script lazily. */
  async installScript(): Promise<void> {
    await mkdir(join(this.root, 'bin'), { recursive: true, mode: 0o700 });
    const current = await readFile(this.scriptPath, 'utf8').catch(() => undefined);
    if (current === INSTANCE_INIT_SCRIPT) return;
    const tmp = `${this.scriptPath}.${process.pid}.tmp`;
    await writeFile(tmp, INSTANCE_INIT_SCRIPT, { mode: 0o700 });
    await rename(tmp, this.scriptPath);
  }

  /** Creates the instance's directory (0700: it holds the app's secrets) and its env file. */
  async create(id: string, env: Record<string, string>): Promise<void> {
    await mkdir(join(this.root, 'instances'), { recursive: true, mode: 0o700 });
    await mkdir(this.dir(id), { mode: 0o700 });
    await chmod(this.dir(id), 0o700);
    // NUL-separated KEY=VALUE entries: values may contain newlines, never NUL (validated upstream).
    const body = Object.entries(env).map(([k, v]) => `${k}=${v}\0`).join('');
    await writeFile(join(this.dir(id), 'env'), body, { mode: 0o600 });
  }

  async writeOneOffRecord(record: OneOffRecord): Promise<void> {
    const path = join(this.dir(record.id), 'one-off.json');
    await writeFile(`${path}.tmp`, JSON.stringify(record), { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  }

  async readOneOffRecords(): Promise<OneOffRecord[]> {
    const ids = await readdir(join(this.root, 'instances')).catch(() => [] as string[]);
    const records: OneOffRecord[] = [];
    for (const id of ids) {
      const text = await readFile(join(this.dir(id), 'one-off.json'), 'utf8').catch(() => undefined);
      if (text !== undefined) records.push(JSON.parse(text) as OneOffRecord);
    }
    return records;
  }

  async writeRecord(record: InstanceRecord): Promise<void> {
    const path = join(this.dir(record.id), 'instance.json');
    await writeFile(`${path}.tmp`, JSON.stringify(record, null, 2), { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  }

  /** Every instance directory, with or without a record. */
  async listIds(): Promise<string[]> {
    return readdir(join(this.root, 'instances')).catch(() => [] as string[]);
  }

  async readRecords(): Promise<InstanceRecord[]> {
    const ids = await readdir(join(this.root, 'instances')).catch(() => [] as string[]);
    const records: InstanceRecord[] = [];
    for (const id of ids) {
      const text = await readFile(join(this.dir(id), 'instance.json'), 'utf8').catch(() => undefined);
      // A directory without a record is a start that never got as far as spawning.
      if (text !== undefined) records.push(JSON.parse(text) as InstanceRecord);
    }
    return records;
  }

  /**
   * Directories with no record: one-offs (which never get one) and starts that never got as far as
   * writing it. At start-up, every such directory is something a crashed Berth left behind.
   */
  async unrecordedIds(): Promise<string[]> {
    const ids = await readdir(join(this.root, 'instances')).catch(() => [] as string[]);
    const unrecorded: string[] = [];
    for (const id of ids) {
      if (!(await stat(join(this.dir(id), 'instance.json')).then(() => true, () => false))) unrecorded.push(id);
    }
    return unrecorded;
  }

  /** The exit status the init script recorded, and when; undefined if it never got to write one. */
  async readExit(id: string): Promise<{ code: number; at: Date } | undefined> {
    const path = join(this.dir(id), 'exit-code');
    const [text, info] = await Promise.all([readFile(path, 'utf8').catch(() => undefined), stat(path).catch(() => undefined)]);
    if (text === undefined || info === undefined) return undefined;
    const code = Number(text.trim());
    return Number.isInteger(code) ? { code, at: info.mtime } : undefined;
  }

  async remove(id: string): Promise<void> {
    await rm(this.dir(id), { recursive: true, force: true });
    await rm(this.plainAppDir(id), { recursive: true, force: true });
  }
}
