// `git push` as a deploy: from inside the push's pre-receive hook, check the pushed refs, hand the
// commit to the deploy pipeline as a source tarball, stream the build to the pusher, and accept
// the push only when the release is up. A refused push leaves the branch (and the app) as it was.
import type { SourceStore } from '../deploy/source-store.js';
import { archiveCommit, quarantineEnv } from '../deploy/git/git-archive.js';
import type { HookCall } from '../deploy/git/hook-channel.js';
import { parseRefUpdates, planPush, type RefUpdate } from '../deploy/git/ref-updates.js';
import { pointHead, readRef } from '../deploy/git/repo-refs.js';
import type { GitRepos } from '../deploy/git/repo-store.js';
import { isBerthError } from '../domain/errors.js';
import type { App, Build, User } from '../domain/types.js';
import { newId } from '../platform/ids.js';
import { showPaths } from '../platform/server-paths.js';
import type { BuildOutputs } from '../logs/build-output.js';
import { authorize } from './authorization.js';
import type { DeployPipeline } from './deploy-pipeline.js';
import { pushVerdict, rejectionLine } from './push-verdict.js';
import type { ServiceDeps } from './service-deps.js';
import { KeyedQueue } from './work-limits.js';

export interface GitPushDeps extends ServiceDeps {
  pipeline: Pick<DeployPipeline, 'createBuild' | 'settled'>;
  sources: SourceStore;
  outputs: BuildOutputs;
  repos: GitRepos;
  /** The get_url of an uploaded source, as POST /sources prints it. */
  sourceUrl(sourceId: string, getSecret: string): string;
  webUrl(appName: string): string;
  /** How long the push waits for its release's rollout to end, after the build output ends. */
  rolloutTimeoutMs: number;
}

/** One push of one user to one app, from the hook's call until git has updated (or refused) the refs. */
export interface PushSession {
  hook(call: HookCall, say: (line: string) => void, signal: AbortSignal): Promise<number>;
  /** git receive-pack has exited: the ref is updated (or not), so the next push to the app may start. */
  end(): void;
}

export class GitPushes {
  // Whole pushes to one app take turns: git moves the branch only after the hook returns, and the
  // next push must see where it moved to.
  private readonly turns = new KeyedQueue();

  constructor(private readonly deps: GitPushDeps) {}

  /** The app behind `<name>.git` when the actor may use it (404 / 403 otherwise), and its repository. */
  async open(actor: User, appRef: string): Promise<{ app: App; repo: string }> {
    const app = await authorize(this.deps.store, actor, appRef, 'deploy');
    return { app, repo: await this.deps.repos.ensure(app.id) };
  }

  session(actor: User, app: App, repo: string): PushSession {
    let release: (() => void) | undefined;
    let ended = false;
    return {
      hook: async (call, say, signal) => {
        const plan = planPush(parseRefUpdates(call.updates));
        if (plan.rejections.length > 0) {
          for (const reason of plan.rejections) say(` !     ${reason}`);
          say(' !     Push rejected; nothing was deployed.');
          return 1;
        }
        if (!plan.deploy) return 0; // only deletions: receive.denyDeletes answers them
        const turn = await this.turn(app.id, say);
        release = turn;
        // git gave up on this push while it waited (the pusher hung up): build nothing.
        if (ended || signal.aborted) {
          turn();
          return 1;
        }
        return this.deploy(actor, app, repo, plan.deploy.update, call, say, signal);
      },
      end: () => {
        ended = true;
        release?.();
        release = undefined;
      },
    };
  }

  private turn(appId: string, say: (line: string) => void): Promise<() => void> {
    return new Promise((acquired) => {
      let waiting = true;
      const timer = setTimeout(() => { if (waiting) say('-----> Waiting for an earlier push to this app to finish...'); }, 500);
      void this.turns.run(appId, () => new Promise<void>((done) => {
        waiting = false;
        clearTimeout(timer);
        acquired(done);
      }));
    });
  }

  private async deploy(actor: User, app: App, repo: string, update: RefUpdate, call: HookCall, say: (line: string) => void, signal: AbortSignal): Promise<number> {
    const { sources, pipeline, outputs, logger } = this.deps;
    // git checks the old value when it moves the ref; refusing now saves a build that git would throw away.
    const current = await readRef(repo, update.ref);
    const expected = /^0+$/.test(update.oldSha) ? undefined : update.oldSha;
    if (current !== expected) {
      say(` !     ${update.ref.slice('refs/heads/'.length)} was updated by another push while this one waited (it is now ${current?.slice(0, 12) ?? 'gone'}).`);
      say(' !     Push rejected: fetch, merge and push again.');
      return 1;
    }
    const sha = update.newSha;
    let build: Build;
    let sourceId: string | undefined;
    try {
      // The same kind of source as POST /sources makes, so the same owner checks and quota apply.
      const source = await sources.create(actor.id);
      sourceId = source.id;
      const archive = archiveCommit(repo, sha, quarantineEnv(repo, call.quarantine));
      await Promise.all([sources.receive(source.id, source.putSecret, archive.stream), archive.done]);
      build = await pipeline.createBuild(actor, app.id, { source_blob: { url: this.deps.sourceUrl(source.id, source.getSecret), version: sha } });
    } catch (e) {
      if (sourceId) await sources.remove(sourceId);
      // Only the catalogue's messages are for the pusher; others (git's stderr) can name server paths.
      if (isBerthError(e)) say(` !     ${(this.deps.hidePaths ?? showPaths)(e.message)}`);
      else {
        const errorId = newId();
        logger.error('git-push-source-failed', { app: app.name, errorId, error: e instanceof Error ? e.stack : String(e) });
        say(` !     Could not prepare the pushed commit for building (error id ${errorId}).`);
      }
      return 1;
    }
    logger.info('git-push-build', { app: app.name, build: build.id, commit: sha, user: actor.email });
    const problemsSaid: string[] = [];
    for await (const line of outputs.follow(build.id, signal)) {
      if (line.startsWith(' !')) problemsSaid.push(line);
      say(line);
    }
    await pipeline.settled(build.id);
    const verdict = await pushVerdict(this.deps, app, build.id, { timeoutMs: this.deps.rolloutTimeoutMs, signal });
    if (!verdict.ok) {
      say(rejectionLine(verdict, problemsSaid));
      return 1;
    }
    // The branch moves when the hook returns; HEAD follows it, so a clone checks out what runs.
    await pointHead(repo, update.ref);
    say(`       ${this.deps.webUrl(app.name)} deployed to Berth`);
    return 0;
  }
}
