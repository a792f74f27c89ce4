// Process types of an image without a Procfile: as Heroku's container:release does, `web` runs
// the image's own ENTRYPOINT + CMD (quoted for the `bash -c` every instance runs through).
import type Docker from 'dockerode';
import type { ProcessTypes } from '../../domain/types.js';

const shellQuote = (arg: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

export function processTypesOfImage(info: Docker.ImageInspectInfo): ProcessTypes {
  const argv = [...(info.Config.Entrypoint ?? []), ...(info.Config.Cmd ?? [])];
  return argv.length > 0 ? { web: argv.map(shellQuote).join(' ') } : {};
}
