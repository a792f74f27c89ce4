// How an instance's command runs in its image. There are two kinds of image:
// - a buildpack slug image (committed from a stack build container, labelled berth.role=image):
//   Heroku's conventions, as on the local runtime: the slug in /app, .profile.d sourced, the
//   command through bash (the stack has it), $PORT 5000, Heroku's PATH;
// - any other image (a Dockerfile build, a released image): its own semantics, as `docker run`
//   would give them: its WORKDIR, its ENVs, its ENTRYPOINT; a Procfile command runs through
//   `/bin/sh -c` (never bash, which many images lack) and, as with `docker run IMAGE sh -c CMD`,
//   becomes the ENTRYPOINT's arguments; the image's own ENTRYPOINT + CMD (the `web` of an image
//   without a Procfile) runs untouched, so an image without any shell runs too; its one EXPOSEd
//   port becomes $PORT.
// Whatever the kind, the root filesystem stays read-only: the working directory is the one
// writable, ephemeral place besides /tmp (a volume that starts as a copy of the image's files).
import type Docker from 'dockerode';
import { DEFAULT_APP_PORT, exposedAppPort, imageCommandLine, SLUG_IMAGE_LABEL } from '../../domain/image-conventions.js';

const SLUG_DIR = '/app';
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * As on Heroku, .profile.d scripts are sourced before the command; the command arrives as "$1",
 * never as script text, so a config var or app name can never become shell code here.
 */
const WITH_PROFILE = 'for f in ./.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; exec /bin/bash -c "$1"';
/**
 * Formation instances write stderr into stdout: the engine copies the two pipes separately and
 * loses their relative order, while the app's log stream must keep it (as the local runtime's
 * single log file does). One-offs keep them apart for `berth run`. An image's own argv runs
 * without a shell, so there the engine's two streams stay apart.
 */
const WITH_PROFILE_MERGED = `${WITH_PROFILE} 2>&1`;
const SH_MERGED = 'exec /bin/sh -c "$1" 2>&1';

export interface ImageRunPlan {
  /** Replaces the image's ENTRYPOINT; undefined keeps it. */
  entrypoint?: string[];
  /** Replaces the image's CMD; undefined keeps it. */
  cmd?: string[];
  workdir: string;
  /** The writable, ephemeral directory: an anonymous volume copied from the image, gone with the container. */
  appDir: string;
  /** $PORT, and where the router reaches a web instance. */
  port: number;
  /** What the platform sets besides the release's config (PORT and DYNO come on top). */
  env: Record<string, string>;
}

export function runPlanOf(image: Docker.ImageInspectInfo, command: string, role: 'formation' | 'one-off'): ImageRunPlan {
  const config = image.Config;
  if (config.Labels?.[SLUG_IMAGE_LABEL[0]] === SLUG_IMAGE_LABEL[1]) {
    return {
      entrypoint: ['/bin/bash', '-c', role === 'one-off' ? WITH_PROFILE : WITH_PROFILE_MERGED, 'berth'],
      cmd: [command],
      workdir: SLUG_DIR,
      appDir: SLUG_DIR,
      port: DEFAULT_APP_PORT,
      env: { PATH: `${SLUG_DIR}/bin:${SLUG_DIR}/node_modules/.bin:${SYSTEM_PATH}`, HOME: SLUG_DIR },
    };
  }
  const workdir = config.WorkingDir || '/';
  // A volume cannot cover / and /tmp is a tmpfs of its own: those images get a writable /app.
  const appDir = workdir === '/' || workdir === '/tmp' || workdir.startsWith('/tmp/') ? SLUG_DIR : workdir;
  const imageEnv = new Set((config.Env ?? []).map((kv) => kv.slice(0, kv.indexOf('='))));
  const entrypoint = config.Entrypoint as string[] | string | null | undefined;
  const ownCommand = imageCommandLine(typeof entrypoint === 'string' ? [entrypoint] : entrypoint, config.Cmd);
  return {
    cmd: command === ownCommand ? undefined : role === 'formation' ? ['/bin/sh', '-c', SH_MERGED, 'berth', command] : ['/bin/sh', '-c', command],
    workdir,
    appDir,
    port: exposedAppPort(Object.keys(config.ExposedPorts ?? {})) ?? DEFAULT_APP_PORT,
    // The image's own PATH and HOME stay; without a HOME the user would get `/` (uid 1000 has no
    // passwd entry in most images), which is read-only here.
    env: imageEnv.has('HOME') ? {} : { HOME: appDir },
  };
}
