// One-off dynos (`berth run`, `run:detached`): the current release's slug and config, any
// command, outside the formation. Attached ones stream to the caller; detached ones write their
// output into the app's log stream as `app[run.N]`.
import { randomInt } from 'node:crypto';
import { Writable } from 'node:stream';
import { BerthError } from '../domain/errors.js';
import { validateConfigValue, validateSettableConfigKey } from '../domain/names.js';
import { DEFAULT_SIZE, findSize } from '../domain/sizes.js';
import type { App, User } from '../domain/types.js';
import type { OneOffSpec, Runtime } from '../runtime/runtime.js';
import { appForActor } from './access.js';
import type { ServiceDeps } from './service-deps.js';

export interface OneOffRequest {
  command?: unknown;
  attach?: unknown;
  size?: unknown;
  env?: unknown;
}

export type PreparedOneOff = Omit<OneOffSpec, 'stdin' | 'stdout' | 'stderr'> & { app: App; dynoName: string; attach: boolean; startedAt: string };

export interface OneOffIo {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export class OneOffDynos {
  constructor(private readonly deps: ServiceDeps & { runtime: Runtime }) {}

  /** Checks the request and resolves the release to run; nothing runs yet. */
  async prepare(actor: User, appRef: string, req: OneOffRequest): Promise<PreparedOneOff> {
    const app = await appForActor(this.deps.store, actor, appRef);
    if (typeof req.command !== 'string' || req.command.trim() === '' || req.command.length > 10_000) {
      throw new BerthError('invalid_params', 'command must be a non-empty string.', 'dyno');
    }
    const size = findSize(typeof req.size === 'string' ? req.size : DEFAULT_SIZE);
    if (!size) throw new BerthError('invalid_params', `Unknown dyno size ${String(req.size)}.`, 'dyno');
    const env = parseEnv(req.env);
    const release = await this.deps.store.releases.current(app.id);
    const slug = release?.slugId ? await this.deps.store.slugs.byId(release.slugId) : undefined;
    if (!release || !slug) throw new BerthError('invalid_params', `${app.name} has no release yet; deploy it first.`, 'dyno');
    return {
      app, appId: app.id, appName: app.name, releaseId: release.id, releaseVersion: release.version, processType: 'run',
      command: req.command, env: { ...release.config, ...env }, slug: slug.location, size,
      dynoName: `run.${randomInt(1000, 10000)}`, attach: req.attach === true, startedAt: new Date(this.deps.clock.now()).toISOString(),
    };
  }

  /** Runs with the caller's streams; resolves with the command's exit code. */
  async runAttached(actor: User, p: PreparedOneOff, io: OneOffIo): Promise<number> {
    this.announce(actor, p);
    const { app: _app, attach: _attach, startedAt: _startedAt, ...spec } = p;
    const { exitCode } = await this.deps.runtime.exec({ ...spec, ...io });
    this.deps.appLog?.write(p.appId, 'app', p.dynoName, `Process exited with status ${exitCode}`);
    return exitCode;
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

  private announce(actor: User, p: PreparedOneOff): void {
    this.deps.appLog?.write(p.appId, 'berth', 'api', `Starting process with command \`${p.command}\` by ${actor.email}`);
    void this.deps.store.events.append({ actorId: actor.id, appId: p.appId, action: 'dyno-run', data: { command: p.command, attach: p.attach } })
      .catch((e: Error) => this.deps.logger.warn('event-append-failed', { error: e.message }));
  }
}

function parseEnv(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new BerthError('invalid_params', 'env must be an object of strings.', 'dyno');
  // The same rules as config vars: a one-off's extra variables reach the same environment.
  const env = new Map<string, string>();
  for (const [k, v] of Object.entries(raw)) env.set(validateSettableConfigKey(k), validateConfigValue(k, v));
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
