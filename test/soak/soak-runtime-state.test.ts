// The soak's view of the machine must see what runs: an instance whose recorded process is alive,
// one whose process is gone, and a process naming the home that belongs to no instance.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processesMatching, waitFor } from '../support/platform-harness.js';
import { readRuntimeState } from '../support/soak-runtime-state.js';

const children: ChildProcess[] = [];
const homes: string[] = [];

afterEach(async () => {
  // Each is its own process group (detached), so its children go with it.
  for (const c of children.splice(0)) try { process.kill(-c.pid!, 'SIGKILL'); } catch { /* gone */ }
  for (const h of homes.splice(0)) await rm(h, { recursive: true, force: true });
});

/** A long-running process whose command line names `marker`, as an instance's init script names its state dir. */
function idle(marker: string, withChild = false): ChildProcess {
  const code = withChild
    ? 'require("node:child_process").spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", process.argv[1]], { stdio: "ignore" }); setTimeout(() => {}, 60000)'
    : 'setTimeout(() => {}, 60000)';
  const child = spawn(process.execPath, ['-e', code, marker], { stdio: 'ignore', detached: true });
  children.push(child);
  return child;
}

async function recordInstance(home: string, id: string, pid: number): Promise<void> {
  const dir = join(home, 'runtime', 'instances', id);
  await mkdir(dir, { recursive: true });
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const startTime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const spec = { appId: 'app-1', appName: 'a', releaseId: 'rel-1', releaseVersion: 1, processType: 'web', index: 1, command: 'x', slug: 'x', size: {} };
  await writeFile(join(dir, 'instance.json'), JSON.stringify({ id, spec, name: 'web.1', port: 1, pid, pidStartTime: startTime, startedAt: '', mode: 'plain' }));
}

describe('the soak reads the runtime state from the machine', () => {
  it('an instance with a live process is live; a process tree naming the home outside any instance is one stray', async () => {
    const home = await mkdtemp(join(tmpdir(), 'berth-soak-state-'));
    homes.push(home);
    const instance = idle(join(home, 'runtime', 'instances', 'i-1'));
    const stray = idle(join(home, 'builds', 'left-behind'), true);
    await recordInstance(home, 'i-1', instance.pid!);
    await waitFor(async () => (await processesMatching(home)).length === 3, 5000, 'the stray and its child to run');

    // The stray's child names the home too, but one leak counts once: at the top of its tree.
    const state = await readRuntimeState(home);
    expect(state.live.map((i) => [i.id, i.appId, `${i.type}.${i.index}`, i.pids.includes(instance.pid!)])).toEqual([['i-1', 'app-1', 'web.1', true]]);
    expect(state.strays.map((s) => s.pid)).toEqual([stray.pid]);
  });

  it('an instance whose recorded process has exited is not live (and is no stray either)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'berth-soak-state-'));
    homes.push(home);
    const instance = idle(join(home, 'runtime', 'instances', 'i-2'));
    await recordInstance(home, 'i-2', instance.pid!);
    instance.kill('SIGKILL');
    await waitFor(async () => (await readRuntimeState(home)).live.length === 0, 5000, 'the killed instance to be seen gone');
    expect((await readRuntimeState(home)).strays).toEqual([]);
  });
});
