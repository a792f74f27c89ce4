// Which package manager an app uses (by its lockfile) and the commands each one needs.
import { isAppFile } from '../../app-files.js';

export type PackageManagerName = 'npm' | 'yarn' | 'pnpm';

export interface PackageManager {
  name: PackageManagerName;
  /** argv of the install (dev dependencies included, since the build script may need them). */
  install: string[];
  /** argv of running a package.json script. */
  runScript(script: string): string[];
  /** argv that removes dev dependencies after the build. */
  prune: string[];
  /** Env that points the manager's download cache into the app's cache dir. */
  cacheEnv(cacheDir: string): Record<string, string>;
}

/** yarn and pnpm come through corepack (bundled with Node), which fetches them from the npm registry. */
const corepackEnv = (cacheDir: string): Record<string, string> => ({
  COREPACK_HOME: `${cacheDir}/corepack`,
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  // Without a `packageManager` field, use the version this corepack pins (with its known hash) rather
  // than asking the registry for the latest, whose signature an older corepack may fail to verify.
  COREPACK_DEFAULT_TO_LATEST: '0',
});

export async function detectPackageManager(buildDir: string): Promise<PackageManager> {
  if (await isAppFile(buildDir, 'pnpm-lock.yaml')) {
    return {
      name: 'pnpm',
      install: ['corepack', 'pnpm', 'install', '--frozen-lockfile', '--prod=false'],
      runScript: (s) => ['corepack', 'pnpm', 'run', s],
      prune: ['corepack', 'pnpm', 'prune', '--prod'],
      cacheEnv: (c) => ({ ...corepackEnv(c), npm_config_store_dir: `${c}/pnpm-store` }),
    };
  }
  if (await isAppFile(buildDir, 'yarn.lock')) {
    return {
      name: 'yarn',
      install: ['corepack', 'yarn', 'install', '--frozen-lockfile', '--production=false'],
      runScript: (s) => ['corepack', 'yarn', 'run', s],
      prune: ['corepack', 'yarn', 'install', '--frozen-lockfile', '--production=true', '--ignore-scripts', '--prefer-offline'],
      cacheEnv: (c) => ({ ...corepackEnv(c), YARN_CACHE_FOLDER: `${c}/yarn` }),
    };
  }
  const locked = await isAppFile(buildDir, 'package-lock.json') || await isAppFile(buildDir, 'npm-shrinkwrap.json');
  return {
    name: 'npm',
    // With a lockfile every tarball is pinned by integrity, so the cache can answer without asking the registry.
    install: locked ? ['npm', 'ci', '--include=dev', '--prefer-offline'] : ['npm', 'install', '--include=dev'],
    runScript: (s) => ['npm', 'run', s],
    prune: ['npm', 'prune', '--omit=dev'],
    cacheEnv: (c) => ({ npm_config_cache: `${c}/npm` }),
  };
}
