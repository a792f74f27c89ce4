// A Docker registry of the test's own on a loopback port (Debian's `docker-registry`, the CNCF
// distribution registry), optionally behind htpasswd basic auth. The engine treats 127.0.0.0/8 as
// an insecure registry by default, so plain HTTP works without configuring the engine.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './cli-harness.js';
import { waitFor } from './platform-harness.js';
import type { Dependency } from './require-dependency.js';

const REGISTRY_BIN = '/usr/bin/docker-registry';

export const dockerRegistry: Dependency = {
  name: "Debian's docker-registry (a registry to pull base images from)",
  check: () => (existsSync(REGISTRY_BIN) ? undefined : `${REGISTRY_BIN} not found`),
  install: 'bash scripts/install-test-deps.sh (installs docker-registry)',
};

export class TestRegistry {
  private output = '';

  private constructor(readonly address: string, private readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /**
   * A registry serving `storage` (several registries may share one, e.g. an open one and one
   * that asks for a password) on a free loopback port; `user` makes it require basic auth.
   */
  static async start(dir: string, storage: string, user?: { name: string; password: string }): Promise<TestRegistry> {
    await mkdir(dir, { recursive: true });
    const port = await freePort();
    let auth = '';
    if (user) {
      // The registry reads bcrypt entries only; Debian 12's Python hashes them with libxcrypt.
      const hash = execFileSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))', user.password]).toString().trim();
      await writeFile(join(dir, 'htpasswd'), `${user.name}:${hash}\n`);
      auth = `auth: {htpasswd: {realm: berth-test, path: ${join(dir, 'htpasswd')}}}\n`;
    }
    const config = join(dir, 'config.yml');
    await writeFile(config, `version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: ${storage}}}\nhttp: {addr: 127.0.0.1:${port}}\n${auth}`);
    const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', () => undefined);
    const registry = new TestRegistry(`127.0.0.1:${port}`, child);
    try {
      // Up when /v2/ answers at all: 200 when open, 401 when it asks for a password.
      await waitFor(async () => [200, 401].includes((await fetch(`http://${registry.address}/v2/`)).status), 15_000, `the registry on ${registry.address}`);
    } catch (e) {
      registry.stop();
      throw new Error(`${(e as Error).message}\n${registry.output}`);
    }
    return registry;
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
  }
}
