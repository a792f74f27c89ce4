import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { materialize } from './buildpack.contract.js';
import { buildUid } from './build-user.js';
import { killBuildProcesses, processesOf } from './build-processes.js';
import { buildSlug } from './slug-builder.js';
import { asRoot, describeWith } from '../../test/support/require-dependency.js';

// A classic buildpack whose compile plays one role, named by the ROLE config var: the victim holds a
// secret in its environment and waits; the prober, another app building at the same time, tries
// everything the review listed against it; the leaver starts processes that outlive compile.
const COMPILE = `#!/usr/bin/env bash
set -u
build_dir="$1" cache_dir="$2" env_dir="$3"
rv="$(cat "$env_dir/RENDEZVOUS")"
wait_for() { for _ in $(seq 300); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
probe() { local what="$1"; shift; if "$@" > /dev/null 2>&1; then echo "probe $what: allowed"; else echo "probe $what: denied"; fi; }
case "$(cat "$env_dir/ROLE")" in
victim)
  printf '%s\\n' "$build_dir" > "$rv/build-dir"; printf '%s\\n' "$cache_dir" > "$rv/cache-dir"; printf '%s\\n' "$env_dir" > "$rv/env-dir"
  echo "scratch secret" > "$TMPDIR/scratch" && printf '%s\\n' "$TMPDIR" > "$rv/tmp-dir"
  SECRET="$(cat "$env_dir/SECRET")" bash -c 'echo $$ > "$1/pid.tmp" && mv "$1/pid.tmp" "$1/pid"; for _ in $(seq 300); do [ -e "$1/probed" ] && exit 0; sleep 0.1; done' _ "$rv"
  ;;
prober)
  wait_for "$rv/pid" || { echo "victim never started"; exit 1; }
  pid="$(cat "$rv/pid")"
  [ -d "/proc/$pid" ] && echo "victim running"
  probe own-environ cat /proc/$$/environ
  probe environ cat "/proc/$pid/environ"
  probe cwd ls "/proc/$pid/cwd/"
  probe workspace ls "$(cat "$rv/build-dir")"
  probe plant touch "$(cat "$rv/build-dir")/planted"
  probe cache ls "$(cat "$rv/cache-dir")"
  probe env-dir cat "$(cat "$rv/env-dir")/SECRET"
  probe tmp cat "$(cat "$rv/tmp-dir")/scratch"
  probe own-tmp touch "$TMPDIR/mine"
  touch "$rv/probed"
  ;;
leaver)
  sleep 1000 &
  # Out of compile's process group and session, as a daemon would be; recorded once it is.
  setsid bash -c 'echo $$ > "$1/leaver.tmp" && mv "$1/leaver.tmp" "$1/leaver"; exec sleep 1000' _ "$rv" < /dev/null > /dev/null 2>&1 &
  wait_for "$rv/leaver" || exit 1
  [ -f "$env_dir/FAIL" ] && exit 3
  ;;
esac
exit 0
`;

describeWith(asRoot, 'builds of different apps are isolated from each other', () => {
  let root: string;
  let buildpack: string;
  let app: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'berth-isolation-'));
    await chmod(root, 0o711);
    buildpack = path.join(root, 'probe-bp');
    await mkdir(path.join(buildpack, 'bin'), { recursive: true, mode: 0o755 });
    await writeFile(path.join(buildpack, 'bin/detect'), '#!/usr/bin/env bash\necho Probe\n', { mode: 0o755 });
    await writeFile(path.join(buildpack, 'bin/compile'), COMPILE, { mode: 0o755 });
    app = await materialize({ 'hello.txt': 'hi' }, root);
  });
  const appIds: string[] = [];
  afterAll(async () => {
    // Even when a test fails, nothing of these builds outlives the suite.
    for (const id of appIds) await killBuildProcesses({ uid: buildUid(id), gid: buildUid(id) });
    await rm(root, { recursive: true, force: true });
  });

  function build(appId: string, env: Record<string, string>, log: string[]): ReturnType<typeof buildSlug> {
    appIds.push(appId);
    return buildSlug({
      appId, sourceDir: app, slugsDir: path.join(root, 'slugs'), cacheDir: path.join(root, 'cache', appId),
      env, buildpacks: [buildpack], log: (l) => log.push(l.trim()),
    });
  }

  it("one app's build cannot read or write another's, even while both run", async () => {
    const rendezvous = await mkdtemp(path.join(root, 'rv-'));
    await chmod(rendezvous, 0o1777);
    const victimLog: string[] = [];
    const proberLog: string[] = [];
    const [victim] = await Promise.all([
      build(`victim-${randomUUID()}`, { ROLE: 'victim', SECRET: 'sk_live_victim', RENDEZVOUS: rendezvous }, victimLog),
      build(`prober-${randomUUID()}`, { ROLE: 'prober', RENDEZVOUS: rendezvous }, proberLog),
    ]);
    expect(proberLog).toContain('victim running');
    expect(proberLog).toContain('probe own-environ: allowed'); // the probe itself works
    expect(proberLog).toContain('probe own-tmp: allowed');
    for (const what of ['environ', 'cwd', 'workspace', 'plant', 'cache', 'env-dir', 'tmp']) expect(proberLog).toContain(`probe ${what}: denied`);
    expect(victim.buildpackDescription).toBe('Probe');
  });

  it.each<[string, Record<string, string>]>([['succeeds', {}], ['fails', { FAIL: '1' }]])('leaves no process of the build uid running when the build %s', async (_, extra) => {
    const appId = `leaver-${randomUUID()}`;
    const rendezvous = await mkdtemp(path.join(root, 'rv-'));
    await chmod(rendezvous, 0o1777);
    const result = await build(appId, { ROLE: 'leaver', RENDEZVOUS: rendezvous, ...extra }, []).then(() => 'built', () => 'failed');
    expect(result).toBe(extra.FAIL ? 'failed' : 'built');
    expect(await readFile(path.join(rendezvous, 'leaver'), 'utf8')).toMatch(/^\d+\n$/); // it did start
    expect(await processesOf(buildUid(appId))).toEqual([]);
  });
});
