// The docker runtime's builder: every app becomes an image on the engine, tagged
// `berth-app/<app>:<build id>`. builder-choice.ts picks how: a Dockerfile built as is, or the
// buildpacks inside a container of the stack's build side. The stack images are built on first need.
import type Docker from 'dockerode';
import { BerthError, isBerthError } from '../../domain/errors.js';
import type { Logger } from '../../platform/logger.js';
import { builderLine, chooseBuilder } from '../builder-choice.js';
import type { AppBuilder, AppBuildRequest, BuiltApp } from '../app-builder.js';
import { formatSize } from '../slug-files.js';
import type { NodeReleaseFetcher } from '../buildpacks/nodejs/node-release-fetcher.js';
import { buildInContainer } from './container-build.js';
import { buildFromDockerfile } from './dockerfile-build.js';
import { imageVisibleTo, isIdPrefix } from './image-access.js';
import { imagePortLine, processTypesOfImage } from './image-process-types.js';
import type { RegistryCredentials } from './registry-credentials.js';
import { cacheVolumeName } from './container-build.js';
import { BUILD_STACK_IMAGE, ensureStackImage, STACK_IMAGE } from './stack-image.js';

export const appRepository = (appName: string) => `berth-app/${appName}`;

const BUILD_ROLE_LABEL = 'berth.role';
const SCOPE_LABEL = 'berth.scope';

/** Images carry their app, so a destroyed app's images can be found without its name. */
const appLabels = (req: { appId: string; appName: string }) => ({ 'berth.app-id': req.appId, 'berth.app-name': req.appName });

export class DockerImageBuilder implements AppBuilder {
  readonly produces = 'image' as const;
  private stack: Promise<void> | undefined;

  private readonly stackOptions: { mirror?: string; offline?: boolean };
  /** Which Berth's build containers these are (label `berth.scope`, as the runtime's instances). */
  private readonly scope: string;
  private readonly nodeReleases?: NodeReleaseFetcher;
  private readonly registryCredentials?: RegistryCredentials;

  constructor(
    private readonly docker: Docker, private readonly logger: Logger,
    /**
     * `nodeReleases`: resolves and fetches the Node.js release of Node.js apps before their build.
     * `registryCredentials`: the operator's, for pulling a Dockerfile's missing base images.
     */
    options: { mirror?: string; offline?: boolean; scope?: string; nodeReleases?: NodeReleaseFetcher; registryCredentials?: RegistryCredentials } = {},
  ) {
    const { scope, nodeReleases, registryCredentials, ...stackOptions } = options;
    this.nodeReleases = nodeReleases;
    this.registryCredentials = registryCredentials;
    this.stackOptions = stackOptions;
    this.scope = scope ?? 'default';
  }

  /**
   * Removes the build containers a killed Berth of this scope left (a buildpack build goes on in
   * its container when nobody waits for it any more). A Dockerfile build's step containers need
   * nothing: the engine cancels the build and removes them (forcerm) when its client goes away.
   */
  async removeBuildLeftovers(): Promise<number> {
    const label = [`${BUILD_ROLE_LABEL}=build`, `${SCOPE_LABEL}=${this.scope}`];
    const left = await this.docker.listContainers({ all: true, filters: { label } });
    for (const c of left) {
      // v: false — the app's cache volume is named and kept; the build's own scratch goes with it.
      await this.docker.getContainer(c.Id).remove({ force: true, v: false })
        .then(() => this.logger.info('build-container-removed', { container: c.Id, app: c.Labels['berth.app-name'] }))
        .catch((e: Error) => this.logger.warn('build-container-remove-failed', { container: c.Id, error: e.message }));
    }
    return left.length;
  }

  /** Builds the stack image once per process when it is missing; progress goes to log. */
  ensureStack(log: (line: string) => void): Promise<void> {
    this.stack ??= ensureStackImage(this.docker, { ...this.stackOptions, log }).catch((e: Error) => {
      this.stack = undefined;
      throw new BerthError('build_failed', `Building the stack image failed: ${e.message}`);
    });
    return this.stack;
  }

  async buildStack(opts: { force: boolean; log(line: string): void }): Promise<void> {
    if (opts.force) await ensureStackImage(this.docker, { ...this.stackOptions, log: opts.log, force: true });
    else await this.ensureStack(opts.log);
    opts.log(`-----> ${STACK_IMAGE} is ready (buildpack builds run on its build side ${BUILD_STACK_IMAGE})`);
  }

  async build(req: AppBuildRequest): Promise<BuiltApp> {
    const repository = appRepository(req.appName);
    const tag = `${repository}:${req.buildId}`;
    try {
      const choice = await chooseBuilder({ sourceDir: req.sourceDir, appBuildpacks: req.buildpacks, dockerfileBuilds: true });
      req.log(builderLine(choice));
      // Dockerfiles are expected to start FROM the stack too, so it is made first either way.
      await this.ensureStack(req.log);
      if (choice.builder === 'dockerfile') {
        const built = await buildFromDockerfile(this.docker, { appId: req.appId, sourceDir: req.sourceDir, repository, tag: req.buildId, labels: appLabels(req), registryCredentials: this.registryCredentials, log: req.log });
        if (built.leftStages.length > 0) this.logger.warn('build-stage-images-left', { app: req.appName, images: built.leftStages });
        return { location: tag, processTypes: built.processTypes, buildpackDescription: 'Dockerfile', sizeBytes: built.sizeBytes };
      }
      const nodeRelease = await this.nodeReleases?.forBuild({ ...req, buildpacks: choice.buildpacks });
      const built = await buildInContainer(this.docker, {
        appId: req.appId, appName: req.appName, sourceDir: req.sourceDir, env: req.env, buildpacks: choice.buildpacks, nodeRelease, tag, log: req.log,
        labels: { [BUILD_ROLE_LABEL]: 'build', [SCOPE_LABEL]: this.scope, ...appLabels(req) },
      });
      req.log(`-----> Image ${tag} (${formatSize(built.sizeBytes)} slug layer)`);
      return { location: tag, ...built };
    } catch (e) {
      // Not logged here: the deploy pipeline says why a build failed, once.
      throw isBerthError(e) ? e : new BerthError('build_failed', `Build failed: ${(e as Error).message}`);
    }
  }

  async fromImage(req: { appId: string; appName: string; buildId: string; image: string; log(line: string): void }): Promise<BuiltApp> {
    // A prefix is whatever image the engine happens to match; only names and full ids are asked about.
    if (isIdPrefix(req.image)) {
      throw new BerthError('invalid_params', `${req.image} looks like a short image id; release an image by its name (repository:tag) or its full id.`, 'build');
    }
    // Another app's images (its code, labelled by build) and unnamed build stages are answered as missing.
    const visible = await imageVisibleTo(this.docker, req.appId, req.image);
    if (!visible) throw new BerthError('invalid_params', `The Docker engine has no image ${req.image}; build or load it there first.`, 'build');
    // Berth's own tag keeps the image (and so rollback to it) even if the user's tag moves. The
    // tag goes on the id that was checked, so a tag moved meanwhile cannot swap the image.
    const [repo, tag] = [appRepository(req.appName), req.buildId];
    await this.docker.getImage(visible.Id).tag({ repo, tag });
    const info = await this.docker.getImage(`${repo}:${tag}`).inspect();
    req.log(`-----> Releasing image ${req.image} (${info.Id.slice(0, 19)})`);
    req.log(`-----> ${imagePortLine(info)}`);
    return { location: `${repo}:${tag}`, processTypes: processTypesOfImage(info), buildpackDescription: `image ${req.image}`, sizeBytes: info.Size };
  }

  /**
   * A destroyed app's build cache volume and images go. Its containers may still be stopping
   * (the reconciler removes them shortly), so what is in use is tried again for a minute.
   */
  async forgetApp(appId: string, built: readonly string[] = [], retryMs = 5_000, attempts = 12): Promise<void> {
    const left = await this.removeAppLeftovers(appId, built);
    if (left > 0 && attempts > 1) setTimeout(() => void this.forgetApp(appId, built, retryMs, attempts - 1).catch(() => undefined), retryMs).unref();
  }

  private async removeAppLeftovers(appId: string, built: readonly string[]): Promise<number> {
    let left = 0;
    const labelled = (await this.docker.listImages({ filters: { label: [`berth.app-id=${appId}`] } })).flatMap((image) => image.RepoTags ?? [image.Id]);
    // Only Berth's own tags of a released image go: the image under its own name is the operator's.
    const refs = new Set([...labelled, ...built.filter((ref) => ref.startsWith('berth-app/'))]);
    for (const ref of refs) {
      await this.docker.getImage(ref).remove().then(() => this.logger.info('image-pruned', { image: ref }), (e: { statusCode?: number }) => {
        if (e.statusCode !== 404) left++;
      });
    }
    await this.docker.getVolume(cacheVolumeName(appId)).remove().catch((e: { statusCode?: number }) => { if (e.statusCode !== 404) left++; });
    return left;
  }

  /**
   * The app's images on the engine that its builds labelled (a released image of someone else's
   * carries no label of the app's: those the store's slugs name, at prune).
   */
  async imagesOf(appId: string): Promise<string[]> {
    const images = await this.docker.listImages({ filters: { label: [`berth.app-id=${appId}`] } });
    return images.flatMap((image) => image.RepoTags ?? []).filter((ref) => ref.startsWith('berth-app/'));
  }

  /**
   * Which of these refs are still on the engine, in one listing: `remove` at prune names every build
   * the app ever made beyond its kept releases, nearly all of them gone at earlier prunes.
   */
  async onEngine(refs: Iterable<string>): Promise<string[]> {
    const present = new Set((await this.docker.listImages({ filters: { reference: ['berth-app/*'] } })).flatMap((image) => image.RepoTags ?? []));
    return [...refs].filter((ref) => present.has(ref));
  }

  /** Removes the tags in `remove` that are still on the engine and that `keep` does not name. */
  async prune(_appId: string, images: { remove: ReadonlySet<string>; keep: ReadonlySet<string> }): Promise<void> {
    await this.removeTags(await this.onEngine(images.remove), images.keep);
  }

  /** Removes these tags but those `keep` names; one already gone is nothing to do, one still in use stays (409). */
  async removeTags(refs: Iterable<string>, keep: ReadonlySet<string>): Promise<void> {
    for (const ref of refs) {
      if (keep.has(ref)) continue;
      try {
        await this.docker.getImage(ref).remove({ noprune: false });
        this.logger.info('image-pruned', { image: ref });
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) continue;
        this.logger.warn('image-prune-skipped', { image: ref, error: (e as Error).message });
      }
    }
  }
}
