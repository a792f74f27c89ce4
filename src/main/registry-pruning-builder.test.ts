import { expect, it } from 'vitest';
import type { AppBuilder } from '../build/app-builder.js';
import { silentLogger } from '../platform/logger.js';
import type { RegistryCleanup } from '../runtime/swarm/registry-cleanup.js';
import { RegistryPruningBuilder } from './registry-pruning-builder.js';

it("prunes the registry's repository of the app after the engine's prune, and never fails a deploy over it", async () => {
  const calls: string[] = [];
  const inner = { produces: 'image', prune: async (_id: string, name: string) => { calls.push(`engine ${name}`); } } as unknown as AppBuilder;
  let registryFails = false;
  const registry = {
    removeUnkept: async (repo: string, keep: ReadonlySet<string>) => {
      calls.push(`registry ${repo} keep ${[...keep].join(',')}`);
      if (registryFails) throw new Error('registry down');
      return 1;
    },
    removeAll: async (repo: string) => { calls.push(`registry all ${repo}`); return 2; },
  } as unknown as RegistryCleanup;
  const builder = new RegistryPruningBuilder(inner, registry, silentLogger);
  await builder.prune('app-id', 'demo', new Set(['berth-app/demo:b7']));
  registryFails = true;
  await builder.prune('app-id', 'demo', new Set());
  await builder.forgetAppImages('demo');
  expect(calls).toEqual(['engine demo', 'registry berth-app/demo keep berth-app/demo:b7', 'engine demo', 'registry berth-app/demo keep ', 'registry all berth-app/demo']);
});
