import { describe, expect, it } from 'vitest';
import { pullFailure } from './base-image-pull.js';

describe('pullFailure (the message of a pull no registry answered)', () => {
  it('names the image, Docker Hub, the engine’s error, and offers load, a mirror and docker login', () => {
    const engine = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host';
    expect(pullFailure({ ref: 'node:22', line: 1 }, 'docker.io', engine, '/root/.docker/config.json')).toBe(
      `Dockerfile line 1: cannot pull the image node:22 from Docker Hub (docker.io): ${engine}. The operator can `
      + 'load it into the Docker engine (`docker save` on a machine that has it, `docker load` here), '
      + 'or configure a registry mirror (`registry-mirrors` in the engine\'s daemon.json), '
      + 'or if the registry needs credentials, `docker login` as the user running Berth (Berth reads /root/.docker/config.json).',
    );
  });

  it('offers no mirror for a registry of its own, since the engine mirrors Docker Hub only', () => {
    const message = pullFailure({ ref: 'ghcr.io/org/app:1', line: 3 }, 'ghcr.io', 'unauthorized');
    expect(message).toContain('cannot pull the image ghcr.io/org/app:1 from ghcr.io: unauthorized.');
    expect(message).toContain('`docker login ghcr.io` as the user running Berth.');
    expect(message).toContain("make sure ghcr.io answers from the Docker engine's machine");
    expect(message).not.toContain('mirror');
  });
});
