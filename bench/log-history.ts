// Benchmark 10: the log history (issue 16). One million lines written through the real LogHub over
// ten hours of an injected clock; bytes on disk (gzip ratio against the plain JSON lines), and search
// speed over them, beside `zgrep` over the same segment files (what an operator would do by hand).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LogHub } from '../src/logs/log-hub.js';
import { encodeStoredLine } from '../src/logs/stored-log-line.js';
import { silentLogger } from '../src/platform/logger.js';
import type { Clock } from '../src/platform/clock.js';
import type { BenchContext } from './lib/context.js';
import { median, nowMs } from './lib/stats.js';
import type { BenchResult, Row } from './lib/table.js';

const run = promisify(execFile);
const LINES = Number(process.env.BENCH_LOG_LINES ?? 1_000_000);
const HOURS = 10;
const APP = 'bench-app';
const MiB = 2 ** 20;

/** Lines as an app and its router make them: mostly router access lines, some app output, rare errors. */
function lineAt(i: number): { source: 'router' | 'app'; dyno: string; message: string } {
  if (i % 3 === 0) return { source: 'app', dyno: `web.${1 + (i % 4)}`, message: `GET /items/${i % 5000} user=${(i * 7919) % 100_000} rendered in ${i % 97}ms` };
  const status = i % 10_007 === 0 ? 500 : 200;
  return {
    source: 'router', dyno: '',
    message: `at=info method=GET path="/items/${i % 5000}" host=${APP}.localhost request_id=${(i * 2654435761 % 2 ** 32).toString(16)} fwd="10.0.${i % 256}.${(i >> 8) % 256}" dyno=web.${1 + (i % 4)} connect=0ms service=${i % 97}ms status=${status} bytes=${1000 + (i % 9000)}`,
  };
}

async function time<T>(f: () => Promise<T>, rounds: number): Promise<{ ms: number; result: T }> {
  const ms: number[] = [];
  let result: T | undefined;
  for (let r = 0; r < rounds; r++) {
    const t0 = nowMs();
    result = await f();
    ms.push(nowMs() - t0);
  }
  return { ms: median(ms), result: result as T };
}

export async function runLogHistory(ctx: BenchContext): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-logs-'));
  try {
    const start = Date.parse('2026-11-30T00:00:00Z');
    let now = start;
    const clock: Clock = { now: () => now, sleep: () => new Promise(() => undefined) };
    const hub = new LogHub({ dir, clock, logger: silentLogger });
    let rawBytes = 0;
    const t0 = nowMs();
    for (let i = 0; i < LINES; i++) {
      now = start + Math.floor((i / LINES) * HOURS * 3_600_000);
      const l = lineAt(i);
      hub.write(APP, l.source, l.dyno, l.message);
      if (i % 5000 === 4999) await hub.flush();
    }
    await hub.settle();
    const writeMs = nowMs() - t0;
    for (let i = 0; i < LINES; i += 997) rawBytes += Buffer.byteLength(encodeStoredLine({ seq: i + 1, time: new Date(now).toISOString(), appId: APP, ...lineAt(i) })) * 997;
    const appDir = join(dir, APP);
    const names = await readdir(appDir);
    const diskBytes = (await Promise.all(names.map(async (n) => (await stat(join(appDir, n))).size))).reduce((a, b) => a + b, 0);

    const rounds = ctx.rounds;
    const hourFive = { since: start + 5 * 3_600_000, until: start + 6 * 3_600_000 - 1 };
    const rare = await time(() => hub.search(APP, { grep: 'status=500', lines: 10_000 }), rounds);
    const window = await time(() => hub.search(APP, { ...hourFive, lines: 10_000 }), rounds);
    const windowGrep = await time(() => hub.search(APP, { ...hourFive, grep: 'path="/items/42"', source: 'router', lines: 10_000 }), rounds);
    const newest = await time(() => hub.search(APP, { grep: 'rendered', lines: 100 }), rounds);
    const segmentFiles = names.map((n) => join(appDir, n));
    const zgrep = await time(async () => (await run('zgrep', ['-c', 'status=500', ...segmentFiles], { maxBuffer: 64 * MiB })).stdout, rounds);
    await hub.close();

    const seconds = (ms: number) => ms / 1000;
    const rows: Row[] = [
      { metric: `bytes on disk per 1M lines`, berth: (diskBytes / LINES) * 1e6 / MiB, unit: 'MiB', note: `${names.length} segments; plain JSON lines ${((rawBytes / LINES) * 1e6 / MiB).toFixed(0)} MiB` },
      { metric: 'gzip ratio (plain / on disk)', berth: rawBytes / diskBytes, unit: '×' },
      { metric: 'write through the hub (flush every 5,000)', berth: LINES / seconds(writeMs), unit: 'lines/s', note: 'appends, rolls and gzip included' },
      { metric: `grep, all ${LINES.toLocaleString('en-US')} lines`, berth: seconds(rare.ms), peer: seconds(zgrep.ms), peerName: 'zgrep -c', unit: 's', note: `${rare.result.lines.length} matches` },
      { metric: 'grep, scan speed', berth: LINES / seconds(rare.ms), peer: LINES / seconds(zgrep.ms), peerName: 'zgrep -c', unit: 'lines/s' },
      { metric: 'one hour of ten (segments skipped by name)', berth: seconds(window.ms), unit: 's', note: `${window.result.lines.length} lines, stopped early: ${window.result.stoppedEarly}` },
      { metric: 'one hour, grep + source', berth: seconds(windowGrep.ms), unit: 's', note: `${windowGrep.result.lines.length} lines` },
      { metric: 'newest 100 of a common text', berth: seconds(newest.ms), unit: 's', note: `stopped early: ${newest.result.stoppedEarly}` },
    ];
    return { name: 'log-history', title: 'log history: disk and search over 1M lines', rows, details: { lines: LINES, hours: HOURS, rawBytes, diskBytes, segments: names.length, writeMs, rounds } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
