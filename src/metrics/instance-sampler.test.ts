import { describe, expect, it } from 'vitest';
import type { InstanceSample, MetricsRecorder } from '../domain/metric-samples.js';
import { silentLogger } from '../platform/logger.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { InstanceSampler, type InstanceReadings, type SampledInstance } from './instance-sampler.js';

const MiB = 1024 * 1024;

/** Instances whose CPU time and memory the test sets, as a runtime's cgroups or engine would report them. */
class FakeReadings implements InstanceReadings {
  readonly instances: SampledInstance[] = [];
  readonly usage = new Map<string, { cpuSeconds: number; memoryBytes: number; readAt?: number }>();
  async list() { return this.instances.map((i) => ({ ...i })); }
  async stats(id: string) { return this.usage.get(id); }
}

function setup() {
  const clock = new FakeClock(Date.parse('2026-11-30T10:00:00Z'));
  const readings = new FakeReadings();
  const samples: InstanceSample[] = [];
  const recorder: MetricsRecorder = { instance: (s) => samples.push(s), routerMinute: () => {}, platform: () => {} };
  const restarts = new Map<string, number>();
  const sampler = new InstanceSampler({ runtime: readings, recorder, restarts: (a, d) => restarts.get(`${a}/${d}`) ?? 0, clock, logger: silentLogger });
  const run = (id: string, name: string, size: string, startedAgoMs: number): SampledInstance => {
    const i: SampledInstance = { id, appId: 'app-1', processType: name.split('.')[0]!, name, status: 'running', size, startedAt: new Date(clock.now() - startedAgoMs).toISOString() };
    readings.instances.push(i);
    return i;
  };
  return { clock, readings, samples, restarts, sampler, run };
}

describe('InstanceSampler', () => {
  it("reports CPU as a share of the size's CPU from two readings, RSS, the size's memory limit and the dyno's restarts", async () => {
    const { clock, readings, samples, restarts, sampler, run } = setup();
    run('i-1', 'web.1', 'standard-2x', 20_000); // two CPUs' share
    readings.usage.set('i-1', { cpuSeconds: 4, memoryBytes: 80 * MiB });
    restarts.set('app-1/web.1', 2);
    await sampler.sampleOnce();
    // First reading: its average since it started, 4 CPU-seconds in 20 s over 2 CPUs.
    expect(samples[0]).toMatchObject({ dyno: 'web.1', processType: 'web', cpuPercent: 10, memoryRssBytes: 80 * MiB, memoryLimitBytes: 1024 * MiB, restarts: 2 });
    await clock.advance(10_000);
    readings.usage.set('i-1', { cpuSeconds: 19, memoryBytes: 90 * MiB }); // 15 CPU-seconds in 10 s: 75 % of two CPUs
    await sampler.sampleOnce();
    expect(samples[1]).toMatchObject({ cpuPercent: 75, memoryRssBytes: 90 * MiB, at: clock.now() });
  });

  it('works out CPU between the times readings were taken when the runtime says (a swarm meter every 5 s), and skips a reading it has seen', async () => {
    const { clock, readings, samples, sampler, run } = setup();
    run('i-1', 'web.1', 'standard-1x', 20_000);
    const t0 = clock.now();
    readings.usage.set('i-1', { cpuSeconds: 10, memoryBytes: MiB, readAt: t0 - 4_000 });
    await sampler.sampleOnce();
    // 10 s later by the sampler's clock, but the newest reading is 15 s newer: 3 CPU-seconds in 15 s.
    await clock.advance(10_000);
    readings.usage.set('i-1', { cpuSeconds: 13, memoryBytes: MiB, readAt: t0 + 11_000 });
    await sampler.sampleOnce();
    expect(samples[1]).toMatchObject({ cpuPercent: 20, at: clock.now() });
    // No reading since: nothing recorded (not a 0 % CPU that never happened).
    await clock.advance(10_000);
    expect(await sampler.sampleOnce()).toBe(0);
    expect(samples).toHaveLength(2);
  });

  it('skips instances that exited or that the runtime cannot read, and keeps sampling the others', async () => {
    const { readings, samples, sampler, run } = setup();
    run('i-1', 'web.1', 'standard-1x', 10_000);
    const gone = run('i-2', 'web.2', 'standard-1x', 10_000);
    gone.status = 'exited';
    run('i-3', 'worker.1', 'eco', 10_000); // no reading: exited between list and stats
    readings.usage.set('i-1', { cpuSeconds: 1, memoryBytes: MiB });
    readings.usage.set('i-2', { cpuSeconds: 1, memoryBytes: MiB });
    expect(await sampler.sampleOnce()).toBe(1);
    expect(samples.map((s) => s.dyno)).toEqual(['web.1']);
  });

  it('samples every 10 seconds of the clock until stopped', async () => {
    const { clock, readings, samples, sampler, run } = setup();
    run('i-1', 'web.1', 'standard-1x', 10_000);
    readings.usage.set('i-1', { cpuSeconds: 1, memoryBytes: MiB });
    const stop = new AbortController();
    const loop = sampler.start(stop.signal);
    await clock.advance(35_000);
    expect(samples.map((s) => s.at - samples[0]!.at)).toEqual([0, 10_000, 20_000, 30_000]);
    stop.abort();
    await loop;
    await clock.advance(20_000);
    expect(samples).toHaveLength(4);
  });
});
