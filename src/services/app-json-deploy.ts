// What a deploy does with the source's app.json, as Heroku sets an app up from it: on the app's
// first deploy (no release has run code yet) the required config vars are checked before anything
// is built, add-ons are provisioned and `env` defaults and secrets set once the build passed, the
// formation starts as the manifest says, and `scripts.postdeploy` runs once as a one-off after the
// release is current. Every write goes through its owner: add-ons, config vars, the release owner.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { AppJson } from '../build/app-json.js';
import { BerthError } from '../domain/errors.js';
import { describeHealthcheck } from '../domain/healthchecks.js';
import { DEFAULT_SIZE } from '../domain/sizes.js';
import type { App, FormationEntry, ProcessTypes, User } from '../domain/types.js';
import type { AddonDeps } from './addon-deps.js';
import { createAddon } from './addons.js';
import { addMissingConfigVars } from './config-vars.js';
import { MAX_QUANTITY } from './formation.js';
import type { OneOffDynos } from './one-off-dynos.js';
import type { ServiceDeps } from './service-deps.js';

export interface AppJsonDeps extends ServiceDeps {
  /** Provisions `addons`; absent in a process without brokers, where a manifest naming add-ons is refused. */
  addons?: AddonDeps;
  /** Runs `scripts.postdeploy`; absent in a process that runs no one-offs, where it is refused. */
  oneOffDynos?: OneOffDynos;
}

type Log = (line: string) => void;

/** The manifest of one deploy and whether this deploy is the app's first (decided before the build). */
export class AppJsonDeploy {
  private constructor(
    private readonly deps: AppJsonDeps,
    private readonly app: App,
    private readonly actor: User,
    readonly manifest: AppJson,
    readonly firstDeploy: boolean,
  ) {}

  /**
   * Before the build: says once which keys change nothing, and on a first deploy refuses one that
   * could not be set up (a required config var unset, an unknown plan), so a refused deploy changes nothing.
   */
  static async plan(deps: AppJsonDeps, app: App, actor: User, manifest: AppJson, log: Log): Promise<AppJsonDeploy> {
    if (manifest.ignored.length > 0) log(`-----> app.json: ignoring ${manifest.ignored.join(', ')}`);
    const current = await deps.store.releases.current(app.id);
    const firstDeploy = !current?.slugId;
    const setup = new AppJsonDeploy(deps, app, actor, manifest, firstDeploy);
    if (!firstDeploy) {
      if (setup.hasSetup()) log('-----> app.json: formation, env, addons and scripts.postdeploy apply on the first deploy only; later ones leave them to ps:scale, config:set and addons:create');
      return setup;
    }
    await setup.check();
    return setup;
  }

  private hasSetup(): boolean {
    const m = this.manifest;
    return m.formation.size > 0 || m.env.size > 0 || m.addons.length > 0 || m.scripts.postdeploy !== undefined;
  }

  private async check(): Promise<void> {
    const { app, manifest, deps } = this;
    const config = await deps.store.config.get(app.id);
    const missing = [...manifest.env].filter(([key, v]) => v.required && v.value === undefined && !v.generator && !Object.hasOwn(config, key)).map(([key]) => key);
    if (missing.length > 0) {
      const example = missing.map((k) => `${k}=…`).join(' ');
      throw new BerthError('build_failed', `app.json requires config var${missing.length > 1 ? 's' : ''} ${missing.join(', ')} before the first deploy; set ${missing.length > 1 ? 'them' : 'it'} with: berth config:set ${example} -a ${app.name}`, 'build');
    }
    for (const [type, f] of manifest.formation) {
      if (f.quantity !== undefined && f.quantity > MAX_QUANTITY) {
        throw new BerthError('build_failed', `app.json is not valid: formation.${type}.quantity must be at most ${MAX_QUANTITY} (got ${f.quantity}).`, 'build');
      }
    }
    if (manifest.addons.length > 0) {
      if (!deps.addons) throw new BerthError('build_failed', 'app.json names add-ons, but this Berth process provisions none.', 'build');
      for (const a of manifest.addons) {
        try {
          deps.addons.brokers.forService(deps.addons.plans.resolve(a.plan).service);
        } catch (e) {
          if (e instanceof BerthError) throw new BerthError('build_failed', `app.json addons: ${e.message}`, 'build');
          throw e;
        }
      }
    }
    if (manifest.scripts.postdeploy !== undefined && !deps.oneOffDynos) {
      throw new BerthError('build_failed', 'app.json has scripts.postdeploy, but this Berth process runs no one-off dynos.', 'build');
    }
  }

  /**
   * After a passing build, before the release is recorded (so the release and its release command
   * see them): add-ons, then `env` values and secrets. A first deploy that failed after this is a
   * first deploy again: what it set up is found and kept, never made twice.
   */
  async setUpBeforeRelease(processTypes: ProcessTypes, log: Log): Promise<void> {
    if (!this.firstDeploy) return;
    for (const type of this.manifest.formation.keys()) {
      if (!Object.hasOwn(processTypes, type)) log(`-----> app.json: formation names ${type}, which the Procfile does not define; ignored`);
    }
    for (const a of this.manifest.addons) await this.provision(a.plan, a.as, log);
    const values = new Map<string, string>();
    for (const [key, v] of this.manifest.env) {
      // Heroku's secret generator: 64 hex characters from the system's random source.
      const value = v.generator === 'secret' ? randomBytes(32).toString('hex') : v.value;
      if (value !== undefined) values.set(key, value);
    }
    if (values.size === 0) return;
    const set = await addMissingConfigVars(this.deps, this.actor, this.app, values, 'from app.json');
    if (set.length > 0) log(`-----> app.json: set config vars ${set.join(', ')}`);
  }

  private async provision(plan: string, as: string | undefined, log: Log): Promise<void> {
    const addonDeps = this.deps.addons!;
    const service = addonDeps.plans.resolve(plan).service;
    const attachments = await this.deps.store.addons.attachments({ appId: this.app.id });
    const owned = await this.deps.store.addons.list({ appId: this.app.id });
    const already = as !== undefined
      ? attachments.some((a) => a.name === as.toUpperCase().replace(/-/g, '_'))
      : owned.some((a) => a.service === service);
    if (already) return;
    log(`-----> app.json: provisioning ${plan}`);
    try {
      const made = await createAddon(addonDeps, this.actor, this.app.id, { plan, attachment: as ? { name: as } : undefined });
      log(`       ${made.addon.name} (${made.addon.plan}) attached as ${made.attachments.map((a) => `${a.name}_URL`).join(', ')}`);
    } catch (e) {
      if (e instanceof BerthError) throw new BerthError('build_failed', `app.json addons: ${e.message}`, 'build');
      throw e;
    }
  }

  /**
   * On every deploy: which healthchecks this release's instances will be held to, so a deploy that
   * then fails one is read against what it was asked. A type the Procfile lacks is named and ignored.
   */
  announceHealthchecks(processTypes: ProcessTypes, log: Log): void {
    for (const [type, checks] of Object.entries(this.manifest.healthchecks ?? {})) {
      if (!Object.hasOwn(processTypes, type)) {
        log(`-----> app.json: healthchecks name ${type}, which the Procfile does not define; ignored`);
        continue;
      }
      log(`-----> app.json: healthchecks for ${type}: ${checks.map((c) => `${c.type} ${JSON.stringify(c.name)} ${describeHealthcheck(c)}`).join('; ')}`);
    }
  }

  /** The formation a process type starts with on the first deploy: the manifest's, else web=1 and others 0. */
  initialFormation(type: string): Pick<FormationEntry, 'quantity' | 'size'> {
    const wanted = this.firstDeploy ? this.manifest.formation.get(type) : undefined;
    return { quantity: wanted?.quantity ?? (type === 'web' ? 1 : 0), size: wanted?.size ?? DEFAULT_SIZE };
  }

  /**
   * Once, after the first release is current: `scripts.postdeploy` as a one-off of that release, its
   * output in the build output. A failure is reported; the release stays live (as on Heroku, where
   * the app keeps running and the setup is marked failed).
   */
  async runPostdeploy(log: Log): Promise<void> {
    const command = this.manifest.scripts.postdeploy;
    if (!this.firstDeploy || command === undefined) return;
    const oneOffs = this.deps.oneOffDynos!;
    log(`-----> Running postdeploy script: ${command}`);
    const retry = `run it again with: berth run -a ${this.app.name} -- ${command}`;
    let pending = '';
    const lines = new Writable({
      write(chunk: Buffer, _enc, done) {
        pending += chunk.toString('utf8');
        const all = pending.split('\n');
        pending = all.pop()!;
        for (const l of all) log(`       ${l}`);
        done();
      },
    });
    try {
      const prepared = await oneOffs.prepare(this.actor, this.app.id, { command, attach: true });
      const code = await oneOffs.runAttached(this.actor, prepared, { stdout: lines, stderr: lines });
      if (pending) log(`       ${pending}`);
      if (code === 0) {
        log('-----> postdeploy script done');
        return;
      }
      this.report(`postdeploy script failed with exit code ${code}; the release stays live; ${retry}`, log);
    } catch (e) {
      if (!(e instanceof BerthError)) this.deps.logger.error('postdeploy-could-not-run', { app: this.app.id, error: e instanceof Error ? e.stack : String(e) });
      this.report(`postdeploy script could not run${e instanceof BerthError ? `: ${e.message}` : ''}; ${retry}`, log);
    }
  }

  private report(message: string, log: Log): void {
    log(` !     ${message}`);
    this.deps.appLog?.write(this.app.id, 'berth', 'api', message);
  }
}
