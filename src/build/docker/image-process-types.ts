// Process types of an image without a Procfile: as Heroku's container:release does, `web` runs
// the image's own ENTRYPOINT + CMD. The command line names it; the runtime runs the image's argv.
import type Docker from 'dockerode';
import { DEFAULT_APP_PORT, exposedAppPort, imageCommandLine } from '../../domain/image-conventions.js';
import type { ProcessTypes } from '../../domain/types.js';

export function processTypesOfImage(info: Docker.ImageInspectInfo): ProcessTypes {
  const line = imageCommandLine(info.Config.Entrypoint as string[] | null, info.Config.Cmd);
  return line !== '' ? { web: line } : {};
}

/** The build output's line on which port the image's web processes get (and are routed to). */
export function imagePortLine(info: Docker.ImageInspectInfo): string {
  const exposed = Object.keys(info.Config.ExposedPorts ?? {});
  const port = exposedAppPort(exposed);
  if (port !== undefined) return `Image exposes port ${port}: web processes get PORT=${port} and are routed there`;
  const listed = exposed.length > 0 ? `Image exposes ${exposed.join(', ')}, not one TCP port: ` : '';
  return `${listed}web processes get PORT=${DEFAULT_APP_PORT} and must listen on $PORT`;
}
