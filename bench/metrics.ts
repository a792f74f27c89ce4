// Benchmark: what the metrics cost. (1) The instance sampler reading 100 real instances: 100
// sleeping processes, each in cgroup v1 groups of its own as the local runtime makes them (read
// through the same InstanceCgroups code its stats() uses), sampled in rounds; CPU time of this
// process per round, and the share of one core that is at one round per 10 s. (2) The history:
// CPU per minute's flush for many apps, and its bytes on disk per app per day at each resolution,
// measured on a real SQLite file (synchronous = FULL, WAL, as the server runs it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { fanOutMetrics, LATENCY_BUCKETS_MS, noMetrics } from '../src/domain/metric-samples.js';
import { INSTANCE_SIZES } from '../src/domain/sizes.js';
import { InstanceSampler, type SampledInstance } from '../src/metrics/instance-sampler.js';
import { MetricsHistory } from '../src/metrics/metrics-history.js';
import { silentLogger } from '../src/platform/logger.js';
import { FakeClock } from '../src/platform/testing/fake-clock.js';
import { InstanceCgroups } from '../src/runtime/local/cgroups.js';
import { openSqlite, SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { BenchContext } from './lib/context.js';
import { median } from './lib/stats.js';
import type { BenchResult, Row } from './lib/table.js';

const INSTANCES = 100;
const ROUNDS = 20;
const APPS = 100;
const MINUTE = 60_000;

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

async function samplerCost(): Promise<{ rows: Row[]; details: Record<string, unknown> } | { skipped: string }> {
  if (process.getuid?.() !== 0) return { skipped: 'needs root (cgroups of its own)' };
  const size = INSTANCE_SIZES.find((s) => s.name === 'standard-1x')!;
  const groups: InstanceCgroups[] = [];
  const children: ChildProcess[] = [];
  const instances: SampledInstance[] = [];
  try {
    for (let n = 0; n < INSTANCES; n++) {
      const cgroups = new InstanceCgroups(`bench-metrics-${process.pid}-${n}`);
      await cgroups.create(size);
      groups.push(cgroups);
      const child = spawn('sleep', ['600'], { stdio: 'ignore' });
      child.once('error', () => undefined);
      children.push(child);
      for (const dir of cgroups.dirs()) await writeFile(join(dir, 'cgroup.procs'), String(child.pid));
      instances.push({ id: String(n), appId: `app-${n % 10}`, processType: 'web', name: `web.${n}`, status: 'running', size: size.name, startedAt: new Date().toISOString() });
    }
    const byId = new Map(groups.map((g, n) => [String(n), g]));
    let samples = 0;
    const sampler = new InstanceSampler({
      runtime: {
        list: async () => instances,
        stats: async (id) => {
          const g = byId.get(id)!;
          return { cpuSeconds: await g.cpuSeconds(), memoryBytes: await g.memoryRssBytes(), memoryLimitBytes: await g.memoryLimitBytes() };
        },
      },
      recorder: fanOutMetrics([{ ...noMetrics, instance: () => { samples++; } }], () => undefined),
      restarts: () => 0, clock: new FakeClock(), logger: silentLogger,
    });
    await sampler.sampleOnce(); // warm up
    const perRound: number[] = [];
    const wallPerRound: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const c0 = cpuMs();
      const w0 = performance.now();
      await sampler.sampleOnce();
      perRound.push(cpuMs() - c0);
      wallPerRound.push(performance.now() - w0);
    }
    const cpu = median(perRound);
    return {
      rows: [
        { metric: `sampler CPU per round, ${INSTANCES} instances (local cgroups)`, berth: cpu, unit: 'ms' },
        { metric: 'sampler wall time per round', berth: median(wallPerRound), unit: 'ms' },
        { metric: `sampler share of one core at one round per 10 s, per ${INSTANCES} instances`, berth: (cpu / 10_000) * 100, unit: '%' },
      ],
      details: { perRoundCpuMs: perRound, samples },
    };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    for (const g of groups) await g.remove().catch(() => undefined);
  }
}

const routerMinute = (appId: string, minute: number) => {
  const latencyBuckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  latencyBuckets[3] = 80; latencyBuckets[4] = 15; latencyBuckets[6] = 5;
  return { appId, minute, statusClasses: { '2xx': 95, '4xx': 3, '5xx': 2 }, errorCodes: { H12: 1 }, latencyBuckets, latencySumMs: 4321, bytesIn: 50_000, bytesOut: 1_234_567, peakConcurrent: 7 };
};

/** One day of one app: a web and a worker process type (two dynos each, six samples a minute) and router minutes. */
async function historyCost(): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-metrics-'));
  try {
    const clock = new FakeClock(Date.parse('2026-11-30T00:00:00Z'));
    const file = join(dir, 'berth.sqlite');
    const store = new SqliteStore(file, clock);
    const history = new MetricsHistory({ rows: store.metrics, clock, logger: silentLogger });
    const flushCpu: number[] = [];
    const flushWall: number[] = [];
    const dayApps = 10; // a day of 10 apps for the bytes; the flush cost with APPS apps below
    for (let m = 0; m < 24 * 60; m++) {
      const at = clock.now();
      for (let a = 0; a < dayApps; a++) {
        for (const dyno of ['web.1', 'web.2', 'worker.1', 'worker.2']) {
          for (let s = 0; s < 6; s++) history.instance({ appId: `app-${a}`, processType: dyno.split('.')[0]!, dyno, at: at + s * 10_000, cpuPercent: 12.34 + s, memoryRssBytes: 80_000_000 + a * 1000 + s, memoryLimitBytes: 536_870_912, restarts: 0 });
        }
        history.routerMinute(routerMinute(`app-${a}`, at));
      }
      await clock.advance(MINUTE);
      await history.flush();
    }
    // The flush of one minute of APPS apps (after the day above: rollups read real rows).
    for (let r = 0; r < 10; r++) {
      const at = clock.now();
      for (let a = 0; a < APPS; a++) {
        for (const dyno of ['web.1', 'web.2', 'worker.1', 'worker.2']) {
          for (let s = 0; s < 6; s++) history.instance({ appId: `big-${a}`, processType: dyno.split('.')[0]!, dyno, at: at + s * 10_000, cpuPercent: 5, memoryRssBytes: 90_000_000, memoryLimitBytes: 536_870_912, restarts: 0 });
        }
        history.routerMinute(routerMinute(`big-${a}`, at));
      }
      await clock.advance(MINUTE);
      const c0 = cpuMs();
      const w0 = performance.now();
      await history.flush();
      flushCpu.push(cpuMs() - c0);
      flushWall.push(performance.now() - w0);
    }
    await store.close();
    // Bytes: the file after a checkpoint, then again without the one-minute rows.
    const db = openSqlite(file);
    for (let a = 0; a < APPS; a++) db.prepare("DELETE FROM metric_points WHERE series_id IN (SELECT id FROM metric_series WHERE app_id = ?)").run(`big-${a}`);
    db.prepare("DELETE FROM metric_series WHERE app_id LIKE 'big-%'").run();
    db.exec('VACUUM');
    const bytes = () => (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    const empty = openSqlite(join(dir, 'empty.sqlite'));
    const baseline = (empty.pragma('page_count', { simple: true }) as number) * (empty.pragma('page_size', { simple: true }) as number);
    empty.close();
    const dayTotal = bytes() - baseline;
    const minuteRows = (db.prepare('SELECT COUNT(*) AS n FROM metric_points WHERE step = 60').get() as { n: number }).n;
    db.prepare('DELETE FROM metric_points WHERE step = 60').run();
    db.exec('VACUUM');
    const rollupBytes = bytes() - baseline;
    db.close();
    const perAppMinutes = (dayTotal - rollupBytes) / dayApps;
    const perAppRollups = rollupBytes / dayApps;
    const steady = 2 * perAppMinutes + 30 * perAppRollups;
    return {
      rows: [
        { metric: `history flush, one minute of ${APPS} apps (2 process types × 2 dynos + router)`, berth: median(flushCpu), unit: 'ms CPU' },
        { metric: 'history flush wall time (fsync included)', berth: median(flushWall), unit: 'ms' },
        { metric: 'disk per app per day, 1-minute rows (2 process types + router)', berth: perAppMinutes / 1024, unit: 'KiB' },
        { metric: 'disk per app per day, 10-minute rollups', berth: perAppRollups / 1024, unit: 'KiB' },
        { metric: 'disk per app kept (48 h of minutes + 30 days of rollups)', berth: steady / 1024, unit: 'KiB' },
      ],
      details: { minuteRowsPerAppDay: minuteRows / dayApps, flushCpuMs: flushCpu, bytesPerRowMinute: (dayTotal - rollupBytes) / minuteRows },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runMetrics(_ctx: BenchContext): Promise<BenchResult> {
  const sampler = await samplerCost();
  const history = await historyCost();
  const rows = [...('rows' in sampler ? sampler.rows : []), ...history.rows];
  return {
    name: 'metrics', title: 'metrics: the instance sampler and the kept history', rows,
    details: { ...('details' in sampler ? sampler.details : { sampler: sampler.skipped }), ...history.details },
  };
}
