// One-off dynos (`berth run`, `run:detached`): the current release's slug and config, any
// command (or a process type's, named alone), outside the formation. Attached ones stream to the caller; detached ones write their
// output into the app's log stream as `app[run.N]`. Each holds a place in the OneOffTable from
// acceptance until its process is gone, which is what bounds how many, how big and how long.
import { Writable } from 'node:stream';
import { BerthError } from '../domain/errors.js';
import { validateConfigValue, validateSettableConfigKey } from '../domain/names.js';
import { fitsUnder, largestOneOffSize } from '../domain/one-off-limits.js';
import { commandOf } from '../domain/process-types.js';
import { DEFAULT_SIZE, findSize, type InstanceSize } from '../domain/sizes.js';
import type { Actor, App, User } from '../domain/types.js';
import { isoNow } from '../platform/clock.js';
import { newId } from '../platform/ids.js';
import type { OneOffSpec, Runtime } from '../runtime/runtime.js';
import { authorize } from './authorization.js';
import { auditEntry } from './audit-entry.js';
import type { OneOffEntry, OneOffTable, OneOffType } from './one-off-table.js';
import type { ServiceDeps } from './service-deps.js';

export interface OneOffRequest {
  command?: unknown;
  attach?: unknown;
  size?: unknown;
  env?: unknown;
  /** The heroku CLI's `--no-tty`: the client's input is data, not keystrokes from a terminal. */
  force_no_tty?: unknown;
}

export type PreparedOneOff = Omit<OneOffSpec, 'stdin' | 'stdout' | 'stderr' | 'signal'> & {
  app: App; dynoName: string; attach: boolean; forceNoTty: boolean; startedAt: string; entry: OneOffEntry;
};

export interface OneOffIo {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** On a terminal of its own (see OneOffSpec.tty). */
  tty?: boolean;
}

export interface OneOffDeps extends ServiceDeps {
  runtime: Runtime;
  oneOffs: OneOffTable;
  /** After this long a one-off is stopped, as Heroku stops them after 24 hours. */
  maxLifetimeMs: number;
}

/** Who started a one-off: a user, or the scheduler (no actor in the audit trail). */
interface StartedBy { actor: Actor | null; label: string }

export class OneOffDynos {
  constructor(private readonly deps: OneOffDeps) {}

  /** Checks the request and the app's limits and takes the one-off's place; nothing runs yet. */
  async prepare(actor: User, appRef: string, req: OneOffRequest): Promise<PreparedOneOff> {
    const app = await authorize(this.deps.store, actor, appRef, 'operate');
    if (typeof req.command !== 'string' || req.command.trim() === '' || req.command.length > 10_000) {
      throw new BerthError('invalid_params', 'command must be a non-empty string.', 'dyno');
    }
    const size = findSize(typeof req.size === 'string' ? req.size : DEFAULT_SIZE);
    if (!size) throw new BerthError('invalid_params', `Unknown dyno size ${String(req.size)}.`, 'dyno');
    const cap = largestOneOffSize((await this.deps.store.formation.list(app.id)).map((f) => f.size));
    if (!fitsUnder(size, cap)) {
      throw new BerthError('invalid_params',
        `A one-off dyno of ${app.name} may be at most ${cap.name}, the largest size its formation uses (asked for ${size.name}).`, 'dyno');
    }
    const env = parseEnv(req.env);
    return this.reserve(app, req.command, size, env, 'run', { attach: req.attach === true, forceNoTty: req.force_no_tty === true });
  }

  /**
   * Starts a scheduled job's run (app.json cron) on the current release, named `scheduler.N`, its output in
   * the app's log. The default size, or the formation's largest when that is smaller. Resolves once it has
   * its place (throws as `prepare` does when it cannot have one); `exited` settles when its process is gone.
   */
  async startScheduled(app: App, command: string, startedBy: string): Promise<{ dynoName: string; entry: OneOffEntry; exited: Promise<number> }> {
    const cap = largestOneOffSize((await this.deps.store.formation.list(app.id)).map((f) => f.size));
    const byDefault = findSize(DEFAULT_SIZE)!;
    const p = await this.reserve(app, command, fitsUnder(byDefault, cap) ? byDefault : cap, {}, 'scheduler', { attach: false, forceNoTty: false });
    const out = lineWriter((line) => this.deps.appLog?.write(p.appId, 'app', p.dynoName, line));
    const exited = this.run(p, { stdout: out.stream }, { actor: null, label: startedBy }).finally(() => out.flush());
    return { dynoName: p.dynoName, entry: p.entry, exited };
  }

  private async reserve(app: App, requested: string, size: InstanceSize, env: Record<string, string>, type: OneOffType,
    how: { attach: boolean; forceNoTty: boolean }): Promise<PreparedOneOff> {
    const release = await this.deps.store.releases.current(app.id);
    const slug = release?.slugId ? await this.deps.store.slugs.byId(release.slugId) : undefined;
    if (!release || !slug) throw new BerthError('invalid_params', `${app.name} has no release yet; deploy it first.`, 'dyno');
    // `berth run console`: a process type's name as the whole command runs that type's command,
    // as Dokku and Heroku do; anything else is a command of its own.
    const command = commandOf(slug.processTypes, requested.trim()) ?? requested;
    const startedAt = new Date(this.deps.clock.now()).toISOString();
    const entry = this.deps.oneOffs.reserve(app.id, {
      command, size: size.name, releaseId: release.id, releaseVersion: release.version, startedAt,
    }, type);
    return {
      app, appId: app.id, appName: app.name, releaseId: release.id, releaseVersion: release.version, processType: type,
      command, env: { ...release.config, ...env }, slug: slug.location, size,
      dynoName: entry.name, attach: how.attach, forceNoTty: how.forceNoTty, startedAt, entry,
    };
  }

  /**
   * Runs it as a metered one-off: an interval of its size and type (`run`, `scheduler`) from the start
   * of its command to its end; one a server restart cut off ends at its last sighting (InstanceMeter).
   */
  private async metered<T>(p: PreparedOneOff, work: () => Promise<T>): Promise<T> {
    const { usage } = this.deps.store;
    const id = newId();
    const startedAt = isoNow(this.deps.clock);
    await usage.open({ kind: 'oneoff', id, appId: p.appId, appName: p.appName, ownerId: p.app.ownerId, teamId: p.app.teamId ?? null, item: p.size.name, processType: p.processType, startedAt, seenAt: startedAt });
    try {
      return await work();
    } finally {
      await usage.close('oneoff', id, isoNow(this.deps.clock));
    }
  }

  /** Gives back the place of a one-off that will never run (its client never attached). */
  abandon(p: PreparedOneOff): void {
    this.deps.oneOffs.release(p.entry);
  }

  /** Stops it (its attached client went away); a no-op once it has ended. */
  stop(p: PreparedOneOff, reason: string): void {
    if (!p.entry.stop.signal.aborted) p.entry.stop.abort(reason);
  }

  /** Runs with the caller's streams; resolves with the command's exit code. */
  runAttached(actor: User, p: PreparedOneOff, io: OneOffIo): Promise<number> {
    return this.run(p, io, { actor, label: actor.email });
  }

  private async run(p: PreparedOneOff, io: OneOffIo, by: StartedBy): Promise<number> {
    const { entry } = p;
    if (entry.stop.signal.aborted) {
      this.abandon(p);
      throw new BerthError('dyno_not_found', `${p.dynoName} was stopped before it started.`, 'dyno');
    }
    entry.running = true;
    const lifetime = new AbortController();
    try {
      // An attached one-off starts when its client connects; the app may have been destroyed since.
      if (!(await this.deps.store.apps.byId(p.appId))) throw new BerthError('app_not_found', `${p.appName} no longer exists.`, 'app');
      this.announce(by, p);
      this.enforceLifetime(p, lifetime.signal);
      const { app: _app, attach: _attach, startedAt: _startedAt, entry: _entry, forceNoTty: _forceNoTty, ...spec } = p;
      const { exitCode } = await this.metered(p, () => this.deps.runtime.exec({ ...spec, ...io, signal: entry.stop.signal }));
      const why = entry.stop.signal.aborted ? ` (${String(entry.stop.signal.reason)})` : '';
      this.deps.appLog?.write(p.appId, 'app', p.dynoName, `Process exited with status ${exitCode}${why}`);
      return exitCode;
    } finally {
      lifetime.abort();
      this.deps.oneOffs.release(entry);
    }
  }

  /** Starts it in the background; its output goes to the app's log stream. */
  runDetached(actor: User, p: PreparedOneOff): void {
    const out = lineWriter((line) => this.deps.appLog?.write(p.appId, 'app', p.dynoName, line));
    void this.runAttached(actor, p, { stdout: out.stream }).then(
      () => out.flush(),
      (e: Error) => {
        out.flush();
        this.deps.logger.error('one-off-failed', { app: p.appId, dyno: p.dynoName, error: e.message });
        this.deps.appLog?.write(p.appId, 'berth', 'api', `${p.dynoName} could not run: ${e.message}`);
      },
    );
  }

  /** Stops the one-off once it has run for the maximum lifetime, and says so in the app's log. */
  private enforceLifetime(p: PreparedOneOff, ended: AbortSignal): void {
    this.deps.clock.sleep(this.deps.maxLifetimeMs, ended).then(() => {
      this.deps.appLog?.write(p.appId, 'berth', 'api', `Stopping ${p.dynoName}: one-off dynos may run for at most ${formatDuration(this.deps.maxLifetimeMs)}`);
      p.entry.stop.abort('maximum lifetime reached');
    }, () => undefined /* it ended first */);
  }

  private announce(by: StartedBy, p: PreparedOneOff): void {
    this.deps.appLog?.write(p.appId, 'berth', 'api', `Starting process with command \`${p.command}\` by ${by.label}`);
    void this.deps.store.events.append(auditEntry(by.actor, p.app, 'dyno-run', { command: p.command, attach: p.attach }))
      .catch((e: Error) => this.deps.logger.warn('event-append-failed', { error: e.message }));
  }
}

/** `24h`, `90m`, `5s`: the lifetime as the app log shows it. */
function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

function parseEnv(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new BerthError('invalid_params', 'env must be an object of strings.', 'dyno');
  // The same rules as config vars: a one-off's extra variables reach the same environment.
  const env = new Map<string, string>();
  // The heroku CLI sends a terminal's COLUMNS and LINES as numbers.
  for (const [k, v] of Object.entries(raw)) env.set(validateSettableConfigKey(k), validateConfigValue(k, typeof v === 'number' ? String(v) : v));
  return Object.fromEntries(env);
}

function lineWriter(onLine: (line: string) => void): { stream: Writable; flush(): void } {
  let pending = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) onLine(l);
      done();
    },
  });
  return { stream, flush: () => { if (pending) onLine(pending); pending = ''; } };
}
