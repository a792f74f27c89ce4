// What an app sees of the machine from inside a local sandbox: a minimal root of its own (no host
// files, no other instance's cgroups or processes), the tools apps need, and a bounded /app.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { collect, eventually, specFor } from '../runtime.contract.js';
import type { InstanceSpec } from '../runtime.js';
import { silentLogger } from '../../platform/logger.js';
import { describeWith } from '../../../test/support/require-dependency.js';
import { localSandbox } from '../../../test/support/local-sandbox.js';
import { LocalRuntime } from './local-runtime.js';


describeWith(localSandbox, 'the minimal root of a local sandbox', () => {
  let stateDir: string;
  let slug: string;
  let runtime: LocalRuntime;
  const canary = `/var/tmp/berth-canary-${randomUUID()}`;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'berth-root-state-'));
    slug = await mkdtemp(join(tmpdir(), 'berth-root-slug-'));
    await writeFile(join(slug, 'readme.txt'), 'from the slug\n');
    await writeFile(canary, 'host secret\n', { mode: 0o644 });
    runtime = new LocalRuntime({ stateDir, logger: silentLogger, stopGraceMs: 1000, exitPollMs: 100 });
  });

  afterAll(async () => {
    for (const instance of (await runtime?.list()) ?? []) await runtime.remove(instance.id);
    runtime?.detach();
    for (const path of [stateDir, slug, canary]) if (path) await rm(path, { recursive: true, force: true });
  });

  async function oneOff(command: string, spec: Partial<InstanceSpec> = {}): Promise<string[]> {
    const stdout = new PassThrough();
    let output = '';
    stdout.on('data', (c: Buffer) => (output += c.toString()));
    const { index: _index, ...base } = specFor(slug, spec);
    await runtime.exec({ ...base, command, stdout, stderr: stdout });
    return output.split('\n').filter(Boolean);
  }

  it("shows an app none of the host's files, no instance's cgroups and only its own processes", async () => {
    // Another tenant's instance is running, with its cgroups on the host.
    const other = await runtime.start(specFor(slug, { appId: 'other-app', appName: 'other', command: 'sleep 60' }));
    const lines = await oneOff([
      `cat ${canary} >/dev/null 2>&1 && echo "canary visible" || echo "canary hidden"`,
      'ls /sys/fs/cgroup/*/berth >/dev/null 2>&1 && echo "cgroups listable" || echo "cgroups hidden"',
      `for d in /home /root /var /work /run /sys /mnt /opt ${stateDir}; do test -e "$d" && echo "present $d"; done`,
      'echo "pids $(ls /proc | grep -c "^[0-9]")"',
      'touch /etc/passwd /usr/bin/x 2>/dev/null && echo "system writable" || echo "system read-only"',
    ].join('; '));
    expect(lines).toContain('canary hidden');
    expect(lines).toContain('cgroups hidden');
    expect(lines.filter((l) => l.startsWith('present'))).toEqual([]);
    expect(Number(lines.find((l) => l.startsWith('pids '))?.slice(5))).toBeLessThan(10); // the sandbox's handful, where the host has hundreds
    expect(lines).toContain('system read-only');
    expect((await runtime.inspect(other.id))?.status).toBe('running');
  });

  it('still gives apps node, npm, python3, bash, git, certificates and a user name', async () => {
    const lines = await oneOff([
      'node -e "console.log(\'node ok\')"',
      'npm --version >/dev/null && echo "npm ok"',
      'python3 -c "print(\'python ok\')"',
      'git --version >/dev/null && echo "git ok"',
      'test -s /etc/ssl/certs/ca-certificates.crt && echo "certs ok"',
      'echo "user $(id -un)"',
      'echo hi > /dev/null && head -c 4 /dev/urandom | wc -c',
    ].join('; '));
    expect(lines).toEqual(['node ok', 'npm ok', 'python ok', 'git ok', 'certs ok', 'user dyno', '4']);
  });

  it('bounds what an instance writes into /app and /tmp by its size: ENOSPC, and the instance keeps running', async () => {
    const size = { name: 'small-disk', memoryMb: 256, cpu: 1, pids: 64, diskMb: 16 };
    const fill = (path: string) => `dd if=/dev/zero of=${path} bs=1M count=32 2>&1 | grep -o "No space left on device" | sed "s|^|${path}: |"`;
    const instance = await runtime.start(specFor(slug, {
      processType: 'filler', size,
      command: `${fill('/app/fill')}; rm /app/fill; ${fill('/tmp/fill')}; echo "still running"; sleep 60`,
    }));
    const lines = await eventually(async () => {
      const logged = await collect(runtime.logs(instance.id, { follow: false }));
      return logged.includes('still running') ? logged : undefined;
    });
    expect(lines).toContain('/app/fill: No space left on device');
    expect(lines).toContain('/tmp/fill: No space left on device');
    expect((await runtime.inspect(instance.id))?.status).toBe('running');
  });
});
