import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PublishedEdge, PublishedRoute } from '../domain/internal-protocol.js';
import { RouteSnapshotFile } from './route-snapshot-file.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'berth-routes-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const alpha: PublishedRoute = { appId: 'a1', appName: 'alpha', maintenance: false, crashed: false, backends: [{ instanceId: 'i1', dyno: 'web.1', host: '10.213.0.5', port: 5000 }] };

describe('RouteSnapshotFile (the router\'s last known routes)', () => {
  it('gives back what was saved, and nothing before the first save', () => {
    const file = new RouteSnapshotFile(join(dir, 'run', 'routes.json'));
    expect(file.load()).toBeUndefined();
    file.save({ routes: [alpha] });
    expect(new RouteSnapshotFile(file.path).load()).toEqual({ routes: [alpha] });
  });

  it('keeps the edges (domains, certificates with their keys still sealed) beside the routes', () => {
    const file = new RouteSnapshotFile(join(dir, 'routes.json'));
    const edge: PublishedEdge = {
      appId: 'a1', domains: [{ hostname: 'www.example.com', certificateId: 'c1' }], httpRedirect: true, hsts: false,
      certificates: [{ id: 'c1', hostnames: ['www.example.com'], certificateChain: '-----BEGIN CERTIFICATE-----', sealedPrivateKey: 'v1.a.b.c', expiresAt: '2030-01-01T00:00:00.000Z' }],
    };
    file.save({ routes: [alpha], edges: [edge] });
    expect(new RouteSnapshotFile(file.path).load()).toEqual({ routes: [alpha], edges: [edge] });
  });

  it('refuses a file that is not a route snapshot instead of serving from it', () => {
    const path = join(dir, 'routes.json');
    writeFileSync(path, JSON.stringify({ routes: [{ appName: 'alpha', backends: 'everywhere' }] }));
    expect(() => new RouteSnapshotFile(path).load()).toThrow(/not a route snapshot/);
  });
});
