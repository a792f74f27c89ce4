// One reading of a container's use from the engine's stats API, as InstanceStats. `one-shot` asks
// the engine for a single reading without waiting for a second one to fill `precpu_stats` (which
// takes it about a second per container): the sampler computes CPU % from its own two readings.
import type Docker from 'dockerode';
import type { InstanceStats } from '../runtime.js';

export async function readContainerStats(engine: Docker, containerId: string): Promise<InstanceStats> {
  const stats = await engine.getContainer(containerId).stats({ stream: false, 'one-shot': true });
  const memory = stats.memory_stats;
  // cgroup v1 engines report total_rss/rss; cgroup v2 ones `anon`. Usage alone includes page cache.
  const detail = (memory.stats ?? {}) as unknown as Record<string, number | undefined>;
  const rss = detail.total_rss ?? detail.rss ?? detail.anon ?? memory.usage ?? 0;
  return {
    cpuSeconds: stats.cpu_stats.cpu_usage.total_usage / 1e9,
    memoryBytes: rss,
    ...(memory.limit ? { memoryLimitBytes: memory.limit } : {}),
  };
}
