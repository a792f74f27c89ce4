// BERTH_RUNTIME=swarm refuses to start, saying why, on an engine that is no swarm manager (the
// machine's own engine here, or one BERTH_SWARM_MANAGER names that does not answer), before it
// starts a registry or changes any trust.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { describeWith } from '../../test/support/require-dependency.js';
import { dockerEngine } from '../../test/support/docker-engine.js';
import { chooseRuntime } from './runtime-choice.js';
import { homePaths, readSettings } from './settings.js';

describeWith(dockerEngine, 'BERTH_RUNTIME=swarm', () => {
  it('fails with a clear line when the engine is not a swarm manager', async () => {
    const info = (await new Docker().info()) as { Swarm?: { LocalNodeState?: string } };
    if (info.Swarm?.LocalNodeState === 'active') return expect.fail('this test needs an engine outside any swarm');
    const home = await mkdtemp(join(tmpdir(), 'berth-swarm-choice-'));
    try {
      const settings = readSettings({ BERTH_HOME: home, BERTH_RUNTIME: 'swarm', BERTH_SWARM_REGISTRY: '127.0.0.1:5443' });
      await expect(chooseRuntime(settings, homePaths(home), silentLogger)).rejects.toThrow(/BERTH_RUNTIME=swarm, but the Docker engine is not part of a swarm/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('names the BERTH_SWARM_MANAGER engine that does not answer, instead of falling back to its own engine', async () => {
    const home = await mkdtemp(join(tmpdir(), 'berth-swarm-choice-'));
    try {
      const settings = readSettings({ BERTH_HOME: home, BERTH_RUNTIME: 'swarm', BERTH_SWARM_REGISTRY: '127.0.0.1:5443', BERTH_SWARM_MANAGER: `unix://${join(home, 'no-manager.sock')}` });
      await expect(chooseRuntime(settings, homePaths(home), silentLogger)).rejects.toThrow(/BERTH_RUNTIME=swarm, but no Docker engine answers at BERTH_SWARM_MANAGER unix:\/\/.*no-manager\.sock/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
