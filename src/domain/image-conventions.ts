// What a Docker image's own configuration means to Berth, decided once for the builder (which
// names the image's process types and says in the build output which port the app gets) and the
// docker runtime (which starts the image): its ENTRYPOINT + CMD as a command line, and the port
// its web processes get from EXPOSE.
import { shellQuote } from './shell-quote.js';

/**
 * The label (name, value) the stack build gives the buildpack slug images it commits
 * (build/docker/container-build.ts): those run by Heroku's conventions, any other image by its own.
 */
export const SLUG_IMAGE_LABEL = ['berth.role', 'image'] as const;

/**
 * Whether ref can name an image at all (`repo/name:tag`, `name@sha256:…`, a full id): anything
 * else the engine's API would misread as another path (`/images//x/json` answers a redirect).
 */
export const isImageReference = (ref: string) => /^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/.test(ref) && !ref.includes('//');

/** The port every app is told to listen on ($PORT) unless its image says otherwise. */
export const DEFAULT_APP_PORT = 5000;


/**
 * The image's ENTRYPOINT + CMD as one command line, quoted as a shell would read it back: the
 * `web` command of an image without a Procfile (what `ps` and the formation show). The runtime
 * knows it again by this exact text and then runs the image's own argv, as `docker run` does.
 */
export function imageCommandLine(entrypoint: readonly string[] | null | undefined, cmd: readonly string[] | null | undefined): string {
  return [...(entrypoint ?? []), ...(cmd ?? [])].map(shellQuote).join(' ');
}

/**
 * The port a web process of the image is given as $PORT and routed to: the image's one EXPOSEd
 * TCP port (Dokku's rule, so an app that ignores $PORT but says where it listens still works);
 * with none or several, the default, which the app must then bind through $PORT.
 * `exposed` are the engine's keys (`3000/tcp`, `53/udp`).
 */
export function exposedAppPort(exposed: readonly string[]): number | undefined {
  const tcp = exposed.map((key) => /^(\d+)(?:\/tcp)?$/.exec(key)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
  const ports = [...new Set(tcp)].filter((port) => port > 0 && port < 65536);
  return ports.length === 1 ? ports[0] : undefined;
}
