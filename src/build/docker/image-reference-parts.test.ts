import { describe, expect, it } from 'vitest';
import { isBerthImageName, pullReference, registryOf } from './image-reference-parts.js';

describe('image reference parts', () => {
  it('reads the registry as the engine does: a first component with a dot, a port or localhost', () => {
    expect(registryOf('node:22')).toBe('docker.io');
    expect(registryOf('bitnami/redis:7')).toBe('docker.io');
    expect(registryOf('docker.io/library/node')).toBe('docker.io');
    expect(registryOf('ghcr.io/org/app:1')).toBe('ghcr.io');
    expect(registryOf('127.0.0.1:5000/app@sha256:ab')).toBe('127.0.0.1:5000');
    expect(registryOf('localhost/app')).toBe('localhost');
  });

  it('pulls one tag: latest when the reference names none', () => {
    expect(pullReference('node')).toBe('node:latest');
    expect(pullReference('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(pullReference('localhost:5000/app:2')).toBe('localhost:5000/app:2');
    expect(pullReference('node@sha256:ab')).toBe('node@sha256:ab');
  });

  it("knows Berth's own names, however Docker Hub is spelled", () => {
    expect(isBerthImageName('berth-app/other:b1')).toBe(true);
    expect(isBerthImageName('docker.io/berth/stack:24')).toBe(true);
    expect(isBerthImageName('berthe/app')).toBe(false);
    expect(isBerthImageName('ghcr.io/berth-app/x')).toBe(false);
  });
});
