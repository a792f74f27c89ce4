// A private ACME CA for tests: Debian's `pebble` with its `pebble-challtestsrv` as the DNS server,
// both on loopback ports of their own. Every hostname resolves to 127.0.0.1 (set through
// challtestsrv's management API), and Pebble validates HTTP-01 on `httpPort`: the router's.
// Pebble serves its directory over TLS with a certificate made here (`caFile`, to trust through
// BERTH_ACME_CA_BUNDLE); the certificates it issues chain to a root it makes at start (`root()`).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '../../src/platform/self-signed-certificate.js';
import { freePort, tempDir } from './cli-harness.js';
import type { Dependency } from './require-dependency.js';

export const pebbleServer: Dependency = {
  name: 'Pebble, the test ACME server (Debian package pebble: pebble, pebble-challtestsrv)',
  check: () => (['/usr/bin/pebble', '/usr/bin/pebble-challtestsrv'].every((f) => existsSync(f)) ? undefined : 'pebble or pebble-challtestsrv is not in /usr/bin'),
  install: 'bash scripts/install-test-deps.sh',
};

export interface Pebble {
  directoryUrl: string;
  /** The PEM file Pebble's directory certificate is in. */
  caFile: string;
  /** Makes the name resolve to 127.0.0.1 for Pebble's validation. */
  addHost(hostname: string): Promise<void>;
  /** The root the certificates it issues chain to (PEM). */
  root(): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

export async function startPebble(o: { httpPort: number; validitySeconds?: number }): Promise<Pebble> {
  const dir = await tempDir('berth-pebble-');
  const caFile = join(dir, 'pebble-directory.crt');
  const keyFile = join(dir, 'pebble-directory.key');
  const made = await ensureSelfSignedCertificate({ certFile: caFile, keyFile, commonName: 'pebble', hosts: ['127.0.0.1', 'localhost'] });
  if (!made.ok) throw new Error(made.reason);
  const ca = readFileSync(caFile, 'utf8');
  const [dnsPort, challengeManagement, acmePort, managementPort, tlsPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const config = join(dir, 'pebble-config.json');
  await writeFile(config, JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`, managementListenAddress: `127.0.0.1:${managementPort}`,
      certificate: caFile, privateKey: keyFile, httpPort: o.httpPort, tlsPort, ocspResponderURL: '', externalAccountBindingRequired: false,
      ...(o.validitySeconds ? { certificateValidityPeriod: o.validitySeconds } : {}),
    },
  }));
  let output = '';
  const children: ChildProcess[] = [];
  const started = (cmd: string, args: string[], env: Record<string, string> = {}) => {
    const child = spawn(cmd, args, { cwd: dir, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    child.once('error', (e) => (output += `${cmd}: ${e.message}\n`));
    children.push(child);
  };
  started('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '',
    '-management', `127.0.0.1:${challengeManagement}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '']);
  started('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`], {
    PEBBLE_VA_NOSLEEP: '1',
    // Reuse every still-valid authorization, as Let's Encrypt does for 30 days: a renewal's order is
    // then `ready` when placed (Pebble's default reuses half of them, which made that path a coin toss).
    PEBBLE_AUTHZREUSE: '100',
  });
  const stop = async () => {
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    })));
    await rm(dir, { recursive: true, force: true });
  };
  const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
  try {
    await waitFor(async () => (await get(directoryUrl, ca)).status === 200, `Pebble's directory at ${directoryUrl}`, () => output);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${challengeManagement}/add-a`, { method: 'POST', body: '{}' }).catch(() => undefined)) !== undefined, 'pebble-challtestsrv', () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    directoryUrl, caFile, output: () => output, stop,
    addHost: async (host) => {
      const res = await fetch(`http://127.0.0.1:${challengeManagement}/add-a`, { method: 'POST', body: JSON.stringify({ host, addresses: ['127.0.0.1'] }) });
      if (!res.ok) throw new Error(`challtestsrv refused ${host}: ${res.status}`);
    },
    root: async () => (await get(`https://127.0.0.1:${managementPort}/roots/0`, ca)).body,
  };
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('error', reject).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

async function waitFor(ready: () => Promise<boolean>, what: string, output: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within 10 s:\n${output()}`);
}
