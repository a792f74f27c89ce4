// The health tests' fake runtime runs the lifecycle part of the runtime contract, so what the health
// tests learn from it holds for the real drivers. The process part (HTTP, signals, logs, one-off
// output, stats) needs a real process and is run by the drivers only.
import { systemClock } from '../../platform/clock.js';
import { runtimeLifecycleContract } from '../../runtime/runtime.contract.js';
import { FakeRuntime } from './fake-runtime.js';

runtimeLifecycleContract('fake (health tests)', async () => {
  const slugs = new Set<string>();
  return {
    runtime: new FakeRuntime(systemClock, { slugExists: (slug) => slugs.has(slug) }),
    makeSlug: async () => {
      const slug = `/fake-slugs/${slugs.size + 1}`;
      slugs.add(slug);
      return slug;
    },
    cleanup: async () => undefined,
  };
});
