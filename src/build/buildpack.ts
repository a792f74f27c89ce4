// The buildpack contract: detect whether it applies, compile the app in place.
import type { ProcessTypes } from '../domain/types.js';

export interface CompileContext {
  /** The app's source, compiled in place; it becomes the slug. */
  buildDir: string;
  /** Per-app cache kept between builds (node_modules downloads, pip wheels…). */
  cacheDir: string;
  /** The app's config vars, as Heroku passes them: visible to the build, not exported blindly. */
  env: Record<string, string>;
  /** Build output, one line at a time, streamed to the user. */
  log(line: string): void;
  signal?: AbortSignal;
  /** When set, every command of the build runs as this unprivileged user, the app's own (Berth runs as root). */
  runAs?: BuildUser;
  /** The Node.js release Berth chose and fetched for this build (package.json `engines.node`), when the Node.js buildpack runs. */
  nodeRelease?: NodeReleaseFile;
  /** What earlier buildpacks of this build exported (a classic buildpack's `export` file), seen by the later ones. */
  exported?: Record<string, string>;
}

/**
 * A Node.js release as handed into a build: Berth resolves and downloads it in its own process,
 * before the sandbox starts, and the build only unpacks this verified tarball (readable by the build user).
 */
export interface NodeReleaseFile {
  version: string;
  /** The registry tarball (`package/bin/node`, `package/include`, …). */
  tarball: string;
}

/** The unprivileged account one app's builds run as; it owns the build dir and the cache, nothing else. */
export interface BuildUser {
  uid: number;
  gid: number;
}

export interface CompileResult {
  /** Default process types this buildpack proposes; a Procfile overrides them. */
  processTypes: ProcessTypes;
  /** Variables the buildpacks after this one build with (Heroku's multi-buildpack `export`). */
  exported?: Record<string, string>;
}

export interface Buildpack {
  readonly name: string;
  detect(buildDir: string): Promise<boolean>;
  compile(ctx: CompileContext): Promise<CompileResult>;
}
