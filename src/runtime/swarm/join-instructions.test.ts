import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinInstructions } from './join-instructions.js';

const facts = { workerToken: 'SWMTKN-1-worker', managerAddress: '10.0.0.1', registryAddress: '10.0.0.1:5443', registryCa: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' };

describe('join instructions', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'berth-join-')); });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** Runs the daemon.json steps, as a root shell would, against a daemon.json in the test's folder. */
  const runDaemonJsonSteps = (daemonJson: string) => {
    const steps = joinInstructions(facts, daemonJson).commands.filter((c) => c.includes(daemonJson));
    expect(steps.length).toBeGreaterThan(0);
    const shell = spawnSync('bash', ['-c', steps.join('\n')], { encoding: 'utf8' });
    expect(shell.status).toBe(0);
    return shell.stdout + shell.stderr;
  };

  it('writes daemon.json with no-new-privileges on a machine that has none', async () => {
    const file = join(dir, 'daemon.json');
    expect(runDaemonJsonSteps(file)).toBe('');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ 'no-new-privileges': true });
  });

  it("leaves a machine's own daemon.json as it was, and says to add the setting when it lacks it", async () => {
    const file = join(dir, 'daemon with space.json');
    const own = '{ "registry-mirrors": ["https://mirror.example"] }\n';
    await writeFile(file, own);
    expect(runDaemonJsonSteps(file)).toContain(`add "no-new-privileges": true to ${file}`);
    expect(await readFile(file, 'utf8')).toBe(own);
    await writeFile(file, '{ "log-driver": "journald", "no-new-privileges":true }\n');
    expect(runDaemonJsonSteps(file)).toBe('');
  });

  it('quotes what it did not write itself', () => {
    const { commands } = joinInstructions({ ...facts, workerToken: 'SWMTKN-1-x; rm -rf /' });
    expect(commands.at(-1)).toBe("docker swarm join --token 'SWMTKN-1-x; rm -rf /' 10.0.0.1:2377");
  });
});
