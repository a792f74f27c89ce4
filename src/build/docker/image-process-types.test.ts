// An image released without a Procfile runs its own ENTRYPOINT + CMD as `web`, safely quoted.
import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { processTypesOfImage } from './image-process-types.js';

const image = (config: { Entrypoint?: string[] | null; Cmd?: string[] | null }) => ({ Config: config }) as unknown as Docker.ImageInspectInfo;

describe('processTypesOfImage', () => {
  it('joins ENTRYPOINT and CMD into one bash command, quoting what the shell would change', () => {
    expect(processTypesOfImage(image({ Entrypoint: ['/docker-entrypoint.sh'], Cmd: ['node', 'server.js', "it's $HOME"] })))
      .toEqual({ web: `/docker-entrypoint.sh node server.js 'it'\\''s $HOME'` });
  });

  it('gives no process types to an image without a command', () => {
    expect(processTypesOfImage(image({ Entrypoint: null, Cmd: null }))).toEqual({});
  });
});
