// Source in, release out: extract the uploaded source, build a slug, record a pending release,
// run the `release:` command, then make the release current so the health manager rolls it out.
// One build at a time per app, a few apps in parallel; the release itself takes the app's turn at the
// release owner, with every other action that makes a release.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AppBuilder } from '../build/app-builder.js';
import { readAppJson } from '../build/app-json.js';
import type { CronJob } from '../domain/cron-jobs.js';
import { extractSourceTarball } from '../deploy/tarball.js';
import { parseSourceUrl } from '../deploy/source-capability.js';
import type { SourceStore } from '../deploy/source-store.js';
import { BerthError, isBerthError } from '../domain/errors.js';
import { gateBudgetMs } from '../domain/healthchecks.js';
import { checkProcessTypes } from '../domain/process-types.js';
import { DEFAULT_SIZE, findSize } from '../domain/sizes.js';
import type { App, Build, Release, Slug, User } from '../domain/types.js';
import type { MetricsRecorder } from '../domain/metric-samples.js';
import { BUILD_ITEM } from '../domain/usage-rating.js';
import type { BuildOutputs, BuildOutputWriter } from '../logs/build-output.js';
import { isoNow } from '../platform/clock.js';
import { showPaths } from '../platform/server-paths.js';
import type { Runtime } from '../runtime/runtime.js';
import { authorize, holds } from './authorization.js';
import { auditEntry } from './audit-entry.js';
import { checkFormationQuota, teamUseOfApp } from './team-quotas.js';
import { AppJsonDeploy, type AppJsonDeps } from './app-json-deploy.js';
import { rolloutLines } from './rollout-report.js';
import { waitForRollout } from './rollout-wait.js';
import { KeyedQueue, Semaphore } from './work-limits.js';

export interface DeployDeps extends AppJsonDeps {
  runtime: Runtime;
  sources: SourceStore;
  outputs: BuildOutputs;
  /** Turns source into what the runtime runs: a slug directory (local) or an image (docker). */
  builder: AppBuilder;
  paths: { builds: string };
  /** Built output (images) of releases older than the newest this many is pruned; rollback reaches these. */
  keepReleases?: number;
  /** Builds of different apps that may run at once. */
  maxConcurrentBuilds: number;
  /** How long to wait for the new web instances to come up before reporting the launch. */
  launchTimeoutMs: number;
  /** Where each ended build is reported (outcome, duration); absent: nowhere. */
  metrics?: MetricsRecorder;
}

/** How far a build got: whether the builder succeeded, and whether its end was reported to metrics. */
interface BuildProgress {
  built: boolean;
  startedAt: number;
  measured: boolean;
}

export interface BuildRequest {
  source_blob?: { url?: unknown; version?: unknown };
  /** Releases an image already on the engine instead of building source (Heroku's container:release). */
  image?: unknown;
  buildpacks?: unknown;
}

/** Only sources uploaded to this Berth are built: fetching arbitrary URLs would let users probe our network. */
export function sourceFromUrl(url: unknown): { id: string; secret: string } {
  const capability = parseSourceUrl(url);
  if (!capability) throw new BerthError('invalid_params', 'source_blob.url must be the get_url returned by POST /sources (put the tarball to its put_url first).', 'build');
  return capability;
}

export class DeployPipeline {
  private readonly perApp = new KeyedQueue();
  private readonly slots: Semaphore;
  private readonly finished = new Map<string, Promise<void>>();

  constructor(private readonly deps: DeployDeps) {
    this.slots = new Semaphore(deps.maxConcurrentBuilds);
  }

  async createBuild(actor: User, appRef: string, req: BuildRequest): Promise<Build> {
    const app = await authorize(this.deps.store, actor, appRef, 'deploy');
    const image = parseImage(req.image);
    const capability = image === undefined ? sourceFromUrl(req.source_blob?.url) : undefined;
    const version = req.source_blob?.version;
    if (version !== undefined && version !== null && (typeof version !== 'string' || version.length > 200)) {
      throw new BerthError('invalid_params', 'source_blob.version must be a string of at most 200 characters.', 'build');
    }
    const buildpacks = parseBuildpacks(req.buildpacks) ?? app.buildpacks;
    // Fail now, not in the background: nothing uploaded, expired, or someone else's source.
    const source = capability ? await this.takeSource(app, actor, capability) : undefined;
    const build = await this.deps.store.transaction(async (tx) => {
      const created = await tx.builds.create({
        // The secret stays out of the record: anyone who may read the app's builds would otherwise hold it.
        appId: app.id, userId: actor.id, sourceUrl: source ? sourceUrlWithoutSecret(String(req.source_blob?.url), source.sourceId) : `docker-image:${image}`,
        sourceVersion: (version as string | undefined) ?? null, buildpacks: image === undefined ? buildpacks : [],
      });
      // A deploy is a change whoever started it (git push, `berth deploy`, an image release): the audit
      // trail has it from here, with the version built; the release it makes is recorded by its owner.
      await tx.events.append(auditEntry(actor, app, 'build-created', { build: created.id, version: created.sourceVersion, ...(image === undefined ? {} : { image }) }));
      return created;
    }).catch(async (e: unknown) => {
      // No build will delete a source it took, so it goes now rather than hold the user's quota for a day.
      if (source) await this.deps.sources.remove(source.sourceId);
      throw e;
    });
    this.deps.events.emit({ type: 'build-changed', appId: app.id, buildId: build.id, action: 'create' });
    const output = this.withAppLog(app.id, this.deps.outputs.open(build.id));
    output.line(`-----> Build queued for ${app.name}`);
    const input = source ?? { image: image! };
    // run() records its own failures; the catch is for a fault of the queue itself, never expected.
    const done = this.perApp.run(app.id, () => this.slots.run(() => this.run(build, app, actor, input, output)))
      .catch((e: unknown) => this.deps.logger.error('build-queue-failed', { build: build.id, error: e instanceof Error ? e.stack : String(e) }))
      .finally(() => this.finished.delete(build.id));
    this.finished.set(build.id, done);
    return build;
  }

  /**
   * A source may feed a build only if the user who uploaded it may deploy this app; otherwise a
   * leaked get_url would let one tenant build another's code into their app, or the reverse.
   */
  private async takeSource(app: App, actor: User, capability: { id: string; secret: string }): Promise<{ sourceId: string; file: string }> {
    const blob = this.deps.sources.stored(capability.id, capability.secret);
    const owner = blob.ownerId === actor.id ? actor : await this.deps.store.users.byId(blob.ownerId);
    const allowed = owner !== undefined && await holds(this.deps.store, owner, app, 'deploy');
    if (!allowed) throw new BerthError('forbidden', 'That source was uploaded by a user who may not deploy this app; upload it yourself (POST /sources).', 'source');
    return { sourceId: blob.id, file: await this.deps.sources.take(blob) };
  }

  /** Build lines also join the app's one log stream, as source `build`; neither shows server paths. */
  private withAppLog(appId: string, out: BuildOutputWriter): BuildOutputWriter {
    const hidePaths = this.deps.hidePaths ?? showPaths;
    return {
      line: (raw) => {
        const text = hidePaths(raw);
        out.line(text);
        this.deps.appLog?.write(appId, 'build', '', text);
      },
      fault: () => out.fault(),
      end: () => out.end(),
    };
  }

  /** Resolves when the build (and its release) has finished; for tests and `git push`. */
  async settled(buildId: string): Promise<void> {
    await this.finished.get(buildId);
  }

  /**
   * Runs the builder as a metered build: build-seconds are the builder's own time (not the queue, the
   * release phase or the launch), recorded as an interval whose end is written when the builder ends,
   * whether it succeeded or not. A build a server restart cut off is closed at its start (not charged).
   */
  private meterBuild(build: Build, app: App): <T>(work: () => Promise<T>) => Promise<T> {
    const { usage } = this.deps.store;
    return async (work) => {
      const startedAt = isoNow(this.deps.clock);
      await usage.open({ kind: 'build', id: build.id, appId: app.id, appName: app.name, ownerId: app.ownerId, teamId: app.teamId ?? null, item: BUILD_ITEM, processType: null, startedAt, seenAt: startedAt });
      try {
        return await work();
      } finally {
        await usage.close('build', build.id, isoNow(this.deps.clock));
      }
    };
  }

  /**
   * Never rejects: whatever goes wrong fails this build (and its pending release) and is logged; a
   * fault even in that bookkeeping is logged, never left to take the process down.
   */
  private async run(build: Build, app: App, actor: User, input: { sourceId: string; file: string } | { image: string }, out: BuildOutputWriter): Promise<void> {
    let workDir: string | undefined;
    // From the build's turn (not its time in the queue) to its recorded outcome.
    const progress: BuildProgress = { built: false, startedAt: this.deps.clock.now(), measured: false };
    try {
      this.deps.appLog?.write(app.id, 'berth', 'api', `Build started by ${actor.email}`);
      await mkdir(this.deps.paths.builds, { recursive: true });
      workDir = await mkdtemp(join(this.deps.paths.builds, `${build.id}-`));
      await this.buildAndRelease(build, app, actor, input, out, workDir, progress);
    } catch (e) {
      await this.fail(build, app, out, e, progress).catch((again: unknown) => {
        this.deps.logger.error('build-failure-not-recorded', { build: build.id, error: again instanceof Error ? again.stack : String(again) });
      });
    } finally {
      if (workDir) await rm(workDir, { recursive: true, force: true }).catch((e: Error) => this.deps.logger.warn('build-dir-remains', { build: build.id, error: e.message }));
      // A source is built once; keeping every upload would let uploads fill the disk.
      if ('sourceId' in input) await this.deps.sources.remove(input.sourceId).catch((e: Error) => this.deps.logger.warn('source-remains', { build: build.id, error: e.message }));
      await out.end();
    }
  }

  private async buildAndRelease(
    build: Build, app: App, actor: User, input: { sourceId: string; file: string } | { image: string }, out: BuildOutputWriter, workDir: string,
    progress: BuildProgress,
  ): Promise<void> {
    const { store, appLog } = this.deps;
    const log = (l: string) => out.line(l);
    let built;
    let appJson: AppJsonDeploy | undefined;
    let cronJobs: readonly CronJob[] = [];
    const metered = this.meterBuild(build, app);
    if ('image' in input) {
      built = await metered(() => this.deps.builder.fromImage({ appId: app.id, appName: app.name, buildId: build.id, image: input.image, log }));
    } else {
      const srcDir = join(workDir, 'src');
      await mkdir(srcDir);
      await extractSourceTarball(input.file, srcDir);
      // Read (and a malformed one refused) before the build, so a refused deploy changes nothing.
      const manifest = await readAppJson(srcDir);
      if (manifest) appJson = await AppJsonDeploy.plan(this.deps, app, actor, manifest, log);
      cronJobs = manifest?.cron ?? [];
      const config = await store.config.get(app.id);
      built = await metered(() => this.deps.builder.build({
        appId: app.id, appName: app.name, buildId: build.id, sourceDir: srcDir, env: config, buildpacks: build.buildpacks, log,
      }));
    }
    // A build whose output could not be kept is not released: nobody could read later how it was made.
    const fault = out.fault();
    if (fault) throw new Error(`the build output could not be written: ${fault.message}`);
    progress.built = true;
    const processTypes = checkProcessTypes(built.processTypes);
    await appJson?.setUpBeforeRelease(processTypes, log);
    appJson?.announceHealthchecks(processTypes, log);
    const slug = await store.slugs.create({
      // The checks and scheduled jobs go with the slug, as its process types do: every release of it (a rollback too) runs them.
      appId: app.id, location: built.location, processTypes, healthchecks: appJson?.manifest.healthchecks, buildpackDescription: built.buildpackDescription,
      commit: build.sourceVersion, sizeBytes: built.sizeBytes, cronJobs: [...cronJobs],
    });
    if (cronJobs.length > 0) log(`-----> Scheduled jobs (app.json cron, UTC): ${cronJobs.map((j) => `${j.id} "${j.schedule}" ${j.command}`).join('; ')}`);
    const release = await this.release(app, actor, build, slug, out, appJson);
    await store.builds.update(build.id, { status: 'succeeded', slugId: slug.id, releaseId: release.id });
    this.measure(app, progress, 'succeeded');
    this.deps.events.emit({ type: 'build-changed', appId: app.id, buildId: build.id, action: 'update' });
    appLog?.write(app.id, 'berth', 'api', `Deploy ${shortVersion(build)} by ${actor.email}: release v${release.version}`);
    await this.reportLaunch(app, release, slug, out);
    await appJson?.runPostdeploy(log);
    await this.pruneBuilt(app);
  }

  /** Reports the build's outcome once, when it is recorded (a later step failing after success does not count it again). */
  private measure(app: App, progress: BuildProgress, outcome: 'succeeded' | 'failed'): void {
    if (progress.measured) return;
    progress.measured = true;
    const at = this.deps.clock.now();
    this.deps.metrics?.platform({ kind: 'build', appId: app.id, at, outcome, durationMs: at - progress.startedAt });
  }

  /**
   * Records the failure: the build failed, a release it left pending failed too (so nobody waits on it).
   * `built`: the build itself succeeded and the release (its release command) failed; the app log says which.
   */
  private async fail(build: Build, app: App, out: BuildOutputWriter, e: unknown, progress: BuildProgress): Promise<void> {
    const { store, appLog } = this.deps;
    // Only catalogue errors are worded for the tenant; anything else is ours to read in the log.
    const message = isBerthError(e) ? e.message : `Build failed because of an internal error (build id ${build.id}); the operator's log has the details.`;
    if (!isBerthError(e)) this.deps.logger.error('build-crashed', { build: build.id, error: e instanceof Error ? e.stack : String(e) });
    // The one line that says why; `git push` and `berth deploy` add their verdict after it.
    out.line(` !     ${message}`);
    const recorded = await store.builds.update(build.id, { status: 'failed' });
    this.measure(app, progress, 'failed');
    this.deps.events.emit({ type: 'build-changed', appId: app.id, buildId: build.id, action: 'update' });
    const release = recorded.releaseId ? await store.releases.byId(app.id, recorded.releaseId) : undefined;
    if (release?.rollout.state === 'pending') {
      const failed = await store.releases.setRollout(release.id, 'failed', `the build failed: ${message.split('\n')[0]}`);
      if (failed) {
        this.deps.events.emit({ type: 'rollout-changed', appId: app.id, releaseId: release.id, state: 'failed' });
        this.deps.events.emit({ type: 'release-changed', appId: app.id, releaseId: release.id, action: 'update' });
      }
    }
    appLog?.write(app.id, 'berth', 'api', (this.deps.hidePaths ?? showPaths)(`${progress.built ? 'Deploy' : 'Build'} failed: ${message.split('\n')[0]}`));
  }

  /**
   * A pending release until the release phase passes; only then does it become current. The release
   * owner holds the app's turn throughout, so a config change made meanwhile lands on this slug.
   */
  private async release(app: App, actor: User, build: Build, slug: Slug, out: BuildOutputWriter, appJson: AppJsonDeploy | undefined): Promise<Release> {
    const releaseCommand = slug.processTypes.release;
    const release = await this.deps.releaseOwner.deploy(app, actor, {
      description: `Deploy ${shortVersion(build)}`,
      slug,
      recorded: async (tx, pending) => { await tx.builds.update(build.id, { slugId: slug.id, releaseId: pending.id }); },
      releasePhase: releaseCommand ? (pending, signal) => {
        out.line(`-----> Running release command: ${releaseCommand}`);
        return this.runReleasePhase(app, pending, slug, releaseCommand, out, signal);
      } : undefined,
      madeCurrent: async (tx) => {
        const teamBefore = this.deps.teams && (await teamUseOfApp(this.deps.teams, tx, app));
        for (const type of Object.keys(slug.processTypes)) {
          if (type === 'release' || (await tx.formation.get(app.id, type))) continue;
          // Heroku scales web to one on the first deploy, other types wait for ps:scale; app.json's formation says otherwise.
          await tx.formation.upsert(app.id, type, appJson?.initialFormation(type) ?? { quantity: type === 'web' ? 1 : 0, size: DEFAULT_SIZE });
        }
        // A first formation counts against the team's quota as a scale does: over it, this release
        // does not become current, and what runs stays as it was.
        if (this.deps.teams) await checkFormationQuota(this.deps.teams, tx, app, teamBefore);
      },
    });
    out.line(`-----> Released v${release.version}`);
    return release;
  }

  private async runReleasePhase(app: App, release: Release, slug: Slug, command: string, out: BuildOutputWriter, signal: AbortSignal): Promise<number> {
    let pendingText = '';
    const toLines = new Writable({
      write(chunk: Buffer, _enc, done) {
        pendingText += chunk.toString('utf8');
        const lines = pendingText.split('\n');
        pendingText = lines.pop()!;
        for (const l of lines) out.line(`       ${l}`);
        done();
      },
    });
    const { exitCode } = await this.deps.runtime.exec({
      appId: app.id, appName: app.name, releaseId: release.id, releaseVersion: release.version, processType: 'release',
      command, env: release.config, slug: slug.location, size: findSize(DEFAULT_SIZE)!, stdout: toLines, stderr: toLines, signal,
    });
    if (pendingText) out.line(`       ${pendingText}`);
    return exitCode;
  }

  /** Frees built output only releases beyond rollback's reach use; a failure here never fails the deploy. */
  private async pruneBuilt(app: App): Promise<void> {
    try {
      const releases = (await this.deps.store.releases.list(app.id)).slice(-(this.deps.keepReleases ?? DEFAULT_KEEP_RELEASES));
      const keep = new Set<string>();
      for (const r of releases) {
        const slug = r.slugId ? await this.deps.store.slugs.byId(r.slugId) : undefined;
        if (slug) keep.add(slug.location);
      }
      const current = await this.deps.store.releases.current(app.id);
      const currentSlug = current?.slugId ? await this.deps.store.slugs.byId(current.slugId) : undefined;
      if (currentSlug) keep.add(currentSlug.location);
      // The app's own builds, by the store's records: another app may hold a name this one had.
      const remove = new Set((await this.deps.store.slugs.list(app.id)).map((s) => s.location).filter((l) => !keep.has(l)));
      await this.deps.builder.prune(app.id, { remove, keep });
    } catch (e) {
      this.deps.logger.warn('prune-failed', { app: app.id, error: (e as Error).message });
    }
  }

  /**
   * Ends the build output with the release's stored rollout (written by the health manager): live,
   * failed and why, or superseded. The pipeline works nothing out itself; `git push` and the CLI read
   * the same state.
   */
  private async reportLaunch(app: App, release: Release, slug: Slug, out: BuildOutputWriter): Promise<void> {
    out.line('-----> Launching...');
    // app.json startup/readiness checks may take their attempts after the instances listen.
    const timeoutMs = this.deps.launchTimeoutMs + gateBudgetMs(slug.healthchecks);
    const ended = await waitForRollout(this.deps, app.id, release.id, { timeoutMs });
    for (const line of rolloutLines(app.name, release.version, ended, timeoutMs)) out.line(line);
  }

  async getBuild(actor: User, appRef: string, id: string): Promise<{ app: App; build: Build }> {
    const app = await authorize(this.deps.store, actor, appRef, 'view');
    const build = await this.deps.store.builds.byId(app.id, id);
    if (!build) throw new BerthError('build_not_found', "Couldn't find that build.", 'build');
    return { app, build };
  }

  async listBuilds(actor: User, appRef: string): Promise<{ app: App; builds: Build[] }> {
    const app = await authorize(this.deps.store, actor, appRef, 'view');
    return { app, builds: await this.deps.store.builds.list(app.id) };
  }
}

/** The source's URL as the build record shows it: where it came from, minus the credential. */
function sourceUrlWithoutSecret(url: string, sourceId: string): string {
  const at = url.indexOf(`/sources/${sourceId}/`);
  return url.slice(0, at) + `/sources/${sourceId}`;
}

/** Releases whose built output is kept, newest first: `releases:rollback` reaches any of them. */
export const DEFAULT_KEEP_RELEASES = 10;

/** An engine image reference: repository[:tag] or an image id; never an option-like string. */
function parseImage(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || !/^[a-z0-9][a-z0-9._\/:@-]{0,254}$/i.test(raw)) {
    throw new BerthError('invalid_params', 'image must be a Docker image reference, e.g. my-app:latest.', 'build');
  }
  return raw;
}

const shortVersion = (b: Build) => (b.sourceVersion ? b.sourceVersion.slice(0, 12) : b.id.slice(0, 8));

function parseBuildpacks(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new BerthError('invalid_params', 'buildpacks must be a list of {"url": "..."}.', 'build');
  return raw.map((b) => {
    const url = typeof b === 'string' ? b : (b as { url?: unknown })?.url;
    if (typeof url !== 'string' || url.length === 0 || url.length > 500 || url.startsWith('-')) {
      throw new BerthError('invalid_params', `Invalid buildpack ${JSON.stringify(b)}.`, 'build');
    }
    return url;
  });
}
