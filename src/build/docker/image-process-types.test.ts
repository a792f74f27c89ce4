// An image released without a Procfile runs its own ENTRYPOINT + CMD as `web`, safely quoted; the
// build output says which port its web processes get.
import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { imagePortLine, processTypesOfImage } from './image-process-types.js';

type Config = { Entrypoint?: string[] | null; Cmd?: string[] | null; ExposedPorts?: Record<string, object> };
const image = (config: Config) => ({ Config: config }) as unknown as Docker.ImageInspectInfo;

describe('processTypesOfImage', () => {
  it('joins ENTRYPOINT and CMD into one command line, quoting what the shell would change', () => {
    expect(processTypesOfImage(image({ Entrypoint: ['/docker-entrypoint.sh'], Cmd: ['node', 'server.js', "it's $HOME"] })))
      .toEqual({ web: `/docker-entrypoint.sh node server.js 'it'\\''s $HOME'` });
  });

  it('gives no process types to an image without a command', () => {
    expect(processTypesOfImage(image({ Entrypoint: null, Cmd: null }))).toEqual({});
  });
});

describe('imagePortLine', () => {
  it('names the one exposed TCP port as the port web processes get', () => {
    expect(imagePortLine(image({ ExposedPorts: { '3000/tcp': {} } }))).toBe('Image exposes port 3000: web processes get PORT=3000 and are routed there');
  });

  it('falls back to $PORT 5000 with no port or several, and says why', () => {
    expect(imagePortLine(image({}))).toBe('web processes get PORT=5000 and must listen on $PORT');
    expect(imagePortLine(image({ ExposedPorts: { '3000/tcp': {}, '4000/tcp': {} } })))
      .toBe('Image exposes 3000/tcp, 4000/tcp, not one TCP port: web processes get PORT=5000 and must listen on $PORT');
  });

  it('ignores UDP ports when counting', () => {
    expect(imagePortLine(image({ ExposedPorts: { '53/udp': {}, '8080/tcp': {} } }))).toContain('PORT=8080');
  });
});
