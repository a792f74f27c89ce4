// The environment an instance sees: the release's config vars plus what the platform promises
// every dyno (PORT, DYNO, HOME, a usable PATH), which config vars cannot override.

const DEFAULT_SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function instanceEnv(
  configVars: Record<string, string>,
  platform: { port: number; dyno: string; appDir: string },
): Record<string, string> {
  const path = configVars.PATH ?? `${platform.appDir}/bin:${platform.appDir}/node_modules/.bin:${DEFAULT_SYSTEM_PATH}`;
  return { ...configVars, PATH: path, HOME: platform.appDir, PORT: String(platform.port), DYNO: platform.dyno };
}

/** The only environment the root-owned init script runs with; the app's env reaches the app through a file. */
export const INIT_SCRIPT_ENV: Record<string, string> = { PATH: DEFAULT_SYSTEM_PATH, LANG: 'C.UTF-8' };
