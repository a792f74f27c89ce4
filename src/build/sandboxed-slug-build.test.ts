// Local builds as root run in the local sandbox: what a tenant's build script can see and use of the
// machine, that its output streams live, and that a cancel ends every process of it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalBuildSandbox } from '../runtime/local/local-build-sandbox.js';
import { describeWith } from '../../test/support/require-dependency.js';
import { localSandbox } from '../../test/support/local-sandbox.js';
import { buildDist, ROOT } from '../../test/support/cli-harness.js';
import { materialize } from './buildpack.contract.js';
import { buildUid } from './build-user.js';
import { processesOf } from './build-processes.js';
import { HostSlugBuilder } from './host-slug-builder.js';


// A tenant's build script (the Node.js buildpack runs `npm run build`) reporting what it can reach.
const PROBE = `
echo "probe pids $(ls /proc | grep -c '^[0-9]')"
echo "probe nnp $(grep NoNewPrivs /proc/self/status | tr -dc 0-9)"
echo "probe uid $(id -u)"
cat "$CANARY" >/dev/null 2>&1 && echo "probe canary visible" || echo "probe canary hidden"
ls /sys/fs/cgroup/*/berth >/dev/null 2>&1 && echo "probe cgroups listable" || echo "probe cgroups hidden"
echo x > "/tmp/$TMP_MARKER" && echo "probe tmp written"
node -e "const a = []; for (let i = 0; i < 1536; i++) a.push(Buffer.alloc(1 << 20, 1)); console.log('probe allocated 1.5 GiB')" || echo "probe allocation stopped"
`;

const LINGER = `
echo "probe waiting"
sleep 1000 &
setsid sleep 1000 < /dev/null > /dev/null 2>&1 &
wait
`;

describeWith(localSandbox, 'local builds in the sandbox', () => {
  let root: string;
  let builder: HostSlugBuilder;
  const canary = `/var/tmp/berth-canary-${randomUUID()}`;

  beforeAll(async () => {
    buildDist();
    root = await mkdtemp(path.join(tmpdir(), 'berth-sandboxed-build-'));
    await writeFile(canary, 'host secret\n', { mode: 0o644 });
    const work = path.join(root, 'work');
    builder = new HostSlugBuilder(
      // Tests run from src/; the sandbox takes the entry point from the compiled dist/.
      { slugs: path.join(root, 'slugs'), cache: path.join(root, 'cache'), work, code: path.join(ROOT, 'dist') },
      new LocalBuildSandbox({ stateDir: path.join(root, 'runtime') }),
    );
  }, 120_000);

  afterAll(async () => {
    await rm(canary, { force: true });
    if (root) await rm(root, { recursive: true, force: true });
  });

  const appWith = (script: string) => materialize({
    'package.json': JSON.stringify({ name: 'probe', version: '1.0.0', scripts: { build: 'bash probe.sh' } }),
    'probe.sh': script,
    'server.js': 'require("http").createServer((_, res) => res.end("ok")).listen(process.env.PORT)',
  }, root);

  it("runs a tenant's build in its own namespaces, within the build size, with no new privileges, a private /tmp and no host files", async () => {
    const appId = `probe-${randomUUID()}`;
    const tmpMarker = `berth-probe-${randomUUID()}`;
    const log: string[] = [];
    const built = await builder.build({
      appId, appName: 'probe', buildId: randomUUID(), sourceDir: await appWith(PROBE), buildpacks: [],
      env: { CANARY: canary, TMP_MARKER: tmpMarker }, log: (l) => log.push(l.trim()),
    });
    const probe = (what: string) => log.find((l) => l.startsWith(`probe ${what}`))?.slice(`probe ${what} `.length);
    expect(Number(probe('pids'))).toBeLessThan(20); // the build's own few processes; the host has hundreds
    expect(probe('nnp')).toBe('1');
    expect(probe('uid')).toBe(String(buildUid(appId)));
    expect(probe('canary')).toBe('hidden');
    expect(probe('cgroups')).toBe('hidden');
    expect(probe('tmp')).toBe('written');
    expect(existsSync(path.join('/tmp', tmpMarker))).toBe(false);
    expect(probe('allocation')).toBe('stopped'); // BUILD_SIZE holds it to 1 GiB
    expect(built.processTypes).toEqual({ web: 'node server.js' });
    expect(existsSync(path.join(built.location, 'server.js'))).toBe(true);
    expect(await readdir(path.join(root, 'work'))).toEqual([]); // the workspace went with the build
  }, 120_000);

  it("uses an operator's buildpack directory, read-only", async () => {
    const buildpack = path.join(root, 'operator-bp');
    await mkdir(path.join(buildpack, 'bin'), { recursive: true, mode: 0o755 });
    await writeFile(path.join(buildpack, 'bin/detect'), '#!/usr/bin/env bash\necho Operator\n', { mode: 0o755 });
    await writeFile(path.join(buildpack, 'bin/compile'), '#!/usr/bin/env bash\necho "compiled at $(pwd)"; touch /buildpacks/0/bin/planted 2>/dev/null || echo "buildpack read-only"\n', { mode: 0o755 });
    const log: string[] = [];
    const built = await builder.build({
      appId: `operator-${randomUUID()}`, appName: 'operator', buildId: randomUUID(), sourceDir: await appWith('true'),
      buildpacks: [buildpack], env: {}, log: (l) => log.push(l.trim()),
    });
    expect(built.buildpackDescription).toBe('Operator');
    expect(log).toContain('buildpack read-only');
    expect(existsSync(path.join(buildpack, 'bin', 'planted'))).toBe(false);
  }, 120_000);

  it('fails with the build\'s own reason, which the sandbox does not print (the deploy pipeline says it once)', async () => {
    const log: string[] = [];
    const failing = builder.build({
      appId: `failing-${randomUUID()}`, appName: 'failing', buildId: randomUUID(), sourceDir: await appWith('echo "probe failing"; exit 3'),
      buildpacks: [], env: {}, log: (l) => log.push(l),
    });
    await expect(failing).rejects.toThrow(/The "build" script failed/);
    expect(log.map((l) => l.trim())).toContain('probe failing');
    expect(log.filter((l) => l.startsWith(' !'))).toEqual([]);
  }, 120_000);

  it('streams output while the build runs, and a cancel ends every process of it', async () => {
    const appId = `linger-${randomUUID()}`;
    const buildId = randomUUID();
    const controller = new AbortController();
    const log: string[] = [];
    const result = builder.build({
      appId, appName: 'linger', buildId, sourceDir: await appWith(LINGER), buildpacks: [], env: {},
      // Cancelled on seeing this line, so the line must arrive while the build still runs.
      log: (l) => { log.push(l.trim()); if (l.includes('probe waiting')) controller.abort(); },
      signal: controller.signal,
    });
    await expect(result).rejects.toThrow('Build was cancelled.');
    expect(log).toContain('probe waiting');
    expect(await processesOf(buildUid(appId))).toEqual([]);
    expect(existsSync(`/sys/fs/cgroup/pids/berth/build-${buildId}`)).toBe(false);
    expect(await readdir(path.join(root, 'work'))).toEqual([]);
  }, 120_000);
});
