import { expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import type { RegistryCleanup } from '../runtime/swarm/registry-cleanup.js';
import { RegistryPruningBuilder, type ImageAppBuilder } from './registry-pruning-builder.js';

it("deletes the registry's copies before the engine's images (while the engine can still tell their tags), and never fails a deploy or destroy over it", async () => {
  const calls: string[] = [];
  const inner = {
    produces: 'image',
    removeTags: async (refs: Iterable<string>, keep: ReadonlySet<string>) => { calls.push(`engine remove ${[...refs].join(',')} keep ${[...keep].join(',')}`); },
    imagesOf: async (id: string) => [`berth-app/demo:${id}-b1`],
    // berth-app/demo:b5 was removed at an earlier prune.
    onEngine: async (refs: Iterable<string>) => [...refs].filter((ref) => ref !== 'berth-app/demo:b5'),
    forgetApp: async (id: string, built: readonly string[]) => { calls.push(`engine forget ${id} ${built.join(',')}`); },
  } as unknown as ImageAppBuilder;
  let registryFails = false;
  const registry = {
    removeImages: async (refs: Iterable<string>, keep: Iterable<string>) => {
      calls.push(`registry ${[...refs].join(',')} keep ${[...keep].join(',')}`);
      if (registryFails) throw new Error('registry down');
      return 1;
    },
  } as unknown as RegistryCleanup;
  const builder = new RegistryPruningBuilder(inner, registry, silentLogger);
  await builder.prune('app-id', { remove: new Set(['berth-app/demo:b5', 'berth-app/demo:b6']), keep: new Set(['berth-app/demo:b7']) });
  registryFails = true;
  await builder.prune('app-id', { remove: new Set(['berth-app/demo:b7']), keep: new Set() });
  await builder.forgetApp('app-id', ['berth-app/demo:released']);
  expect(calls).toEqual([
    'registry berth-app/demo:b6 keep berth-app/demo:b7', 'engine remove berth-app/demo:b6 keep berth-app/demo:b7',
    'registry berth-app/demo:b7 keep ', 'engine remove berth-app/demo:b7 keep ',
    'registry berth-app/demo:app-id-b1,berth-app/demo:released keep ', 'engine forget app-id berth-app/demo:released',
  ]);
});
