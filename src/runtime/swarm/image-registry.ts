// The image registry Berth runs for a swarm (Debian's `docker-registry`, the CNCF distribution
// registry): builds stay where Berth runs, app images are pushed here, and nodes pull them over
// TLS with a certificate signed by Berth's own CA, which each node trusts in
// /etc/docker/certs.d/<host:port>/ca.crt — never `insecure-registries`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { ensureCertificateAuthority, issueServerCertificate } from '../../platform/certificate-authority.js';
import { runChecked } from '../../platform/exec.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface ImageRegistryOptions {
  /** Where the CA, the certificate, the config and the image layers live (BERTH_HOME/registry). */
  dir: string;
  /** The address nodes reach it on (an address of Berth's machine) and its port. */
  host: string;
  port: number;
}

export class ImageRegistry {
  private output = '';

  private constructor(readonly address: string, readonly caCertificate: string, private readonly child: ChildProcess, private readonly configFile: string) {
    child.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4000)));
  }

  /** Starts it and resolves once it answers over TLS, verified against the CA as a node verifies it. */
  static async start(opts: ImageRegistryOptions): Promise<ImageRegistry> {
    const ca = await ensureCertificateAuthority(join(opts.dir, 'ca'), 'Berth registry CA');
    const tls = { certFile: join(opts.dir, 'registry.crt'), keyFile: join(opts.dir, 'registry.key') };
    await issueServerCertificate(ca, tls, [opts.host]);
    await mkdir(join(opts.dir, 'storage'), { recursive: true });
    const config = join(opts.dir, 'config.yml');
    // delete enabled: images of destroyed apps and old builds are deleted through the API.
    await writeFile(config, [
      'version: 0.1', 'log: {level: warn}',
      `storage: {filesystem: {rootdirectory: ${join(opts.dir, 'storage')}}, delete: {enabled: true}}`,
      `http: {addr: "${opts.host}:${opts.port}", tls: {certificate: ${tls.certFile}, key: ${tls.keyFile}}}`, '',
    ].join('\n'));
    const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const caCertificate = await readFile(ca.certFile, 'utf8');
    const registry = new ImageRegistry(`${opts.host}:${opts.port}`, caCertificate, child, config);
    const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
    spawnFailed.catch(() => undefined);
    try {
      await Promise.race([registry.waitUntilAnswering(15_000), spawnFailed]);
    } catch (e) {
      registry.stop();
      throw new Error(`the image registry on ${registry.address} did not start: ${(e as Error).message}\n${registry.output}`);
    }
    return registry;
  }

  /**
   * Deletes the layers no manifest refers to any more (after manifests were deleted through the
   * API). The caller keeps pushes out meanwhile (ImagePublisher.exclusive): a layer uploaded during
   * the sweep, not yet referenced by its manifest, would be deleted with the rest.
   */
  async garbageCollect(): Promise<void> {
    await runChecked(REGISTRY_BIN, ['garbage-collect', this.configFile]);
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }

  private async waitUntilAnswering(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.probe().catch((e: Error) => e);
      if (status === 200) return;
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`/v2/ answered ${String(status)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private probe(): Promise<number> {
    const [host, port] = [this.address.slice(0, this.address.lastIndexOf(':')), Number(this.address.slice(this.address.lastIndexOf(':') + 1))];
    return new Promise((resolve, reject) => {
      const req = request({ host, port, path: '/v2/', ca: this.caCertificate, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
  }
}
