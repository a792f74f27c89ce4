// The seam between the deploy pipeline and how source becomes something a runtime can run:
// a slug directory built on this host (local runtime) or an image built on the engine (docker).
// main/ picks the builder that matches the runtime; the pipeline never asks which one it has.
import type { ProcessTypes } from '../domain/types.js';

export interface AppBuildRequest {
  appId: string;
  appName: string;
  buildId: string;
  /** The unpacked source (`.slugignore` already applied when it was packed). */
  sourceDir: string;
  /** The app's config vars. */
  env: Record<string, string>;
  /** Buildpacks the app names; empty = detect. */
  buildpacks: string[];
  log(line: string): void;
  signal?: AbortSignal;
}

export interface BuiltApp {
  /** What `Slug.location` records and the runtime runs: a directory or an image reference. */
  location: string;
  processTypes: ProcessTypes;
  buildpackDescription: string;
  sizeBytes: number;
}

export interface AppBuilder {
  /** `slug` for directories, `image` for engine images; only for messages and the API. */
  readonly produces: 'slug' | 'image';
  build(req: AppBuildRequest): Promise<BuiltApp>;
  /**
   * Releases an image that already exists (Heroku's `container:release`). Builders that do
   * not run images throw `invalid_params`.
   */
  fromImage(req: { appId: string; appName: string; buildId: string; image: string; log(line: string): void }): Promise<BuiltApp>;
  /** Builds (or, with force, rebuilds) the stack image apps are built on; builders without one throw `invalid_params`. */
  buildStack(opts: { force: boolean; log(line: string): void }): Promise<void>;
  /**
   * Frees what a destroyed app's builds left (caches, images); best effort. `built`: its slug
   * locations as the store recorded them (an image released as is carries no label of the app's).
   */
  forgetApp(appId: string, built?: readonly string[]): Promise<void>;
  /**
   * Frees the app's built output in `remove` (locations of its own builds, as the store records
   * them, that no kept release uses), except what `keep` (locations still needed) shares. Which
   * images are the app's is the store's to say: never a name, which passes to another app once
   * this one is renamed or destroyed.
   */
  prune(appId: string, images: { remove: ReadonlySet<string>; keep: ReadonlySet<string> }): Promise<void>;
}
