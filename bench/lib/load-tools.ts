// Drives wrk (closed loop: throughput) and h2load (open loop at a fixed rate: honest tail latency), parsing their output.
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes.js';
import { percentile } from './stats.js';

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx responses plus socket errors. */
  errors: number;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

export interface WrkOptions {
  url: string;
  host?: string;
  connections: number;
  durationSeconds: number;
  cpus?: string;
}

/** One wrk run with keep-alive (wrk's default), one thread, `--latency` for the percentiles. */
export async function wrk(o: WrkOptions): Promise<WrkResult> {
  const args = ['-t1', `-c${o.connections}`, `-d${o.durationSeconds}s`, '--latency', '--timeout', '5s'];
  if (o.host) args.push('-H', `Host: ${o.host}`);
  args.push(o.url);
  const argv = o.cpus === undefined ? ['wrk', ...args] : ['taskset', '-c', o.cpus, 'wrk', ...args];
  const r = await run(argv[0]!, argv.slice(1), { timeoutMs: (o.durationSeconds + 30) * 1000 });
  if (r.code !== 0) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(r.stdout);
    return m ? toMs(m[1]!, m[2]!) : NaN;
  };
  const rps = Number(/^Requests\/sec:\s+([\d.]+)/m.exec(r.stdout)?.[1] ?? NaN);
  const requests = Number(/^\s+(\d+) requests in/m.exec(r.stdout)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
  const socketErrors = sock ? sock.slice(1).reduce((s, v) => s + Number(v), 0) : 0;
  return { requestsPerSecond: rps, requests, p50Ms: pct('50'), p99Ms: pct('99'), errors: non2xx + socketErrors };
}

export interface OpenLoopResult {
  requests: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

export interface OpenLoopOptions {
  url: string;
  host?: string;
  /** Total request rate; spread over `clients` connections of rate/clients each. */
  rate: number;
  clients: number;
  durationSeconds: number;
  cpus?: string;
}

/** h2load over HTTP/1.1 at a fixed request rate (`--rps` per client); percentiles come from its per-request log. */
export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const log = join(tmpdir(), `berth-bench-h2load-${process.pid}-${Date.now()}.log`);
  const args = ['--h1', '-c', String(o.clients), '--rps', String(o.rate / o.clients), '-D', String(o.durationSeconds), `--log-file=${log}`];
  if (o.host) args.push('-H', `:authority: ${o.host}`);
  args.push(o.url);
  const argv = o.cpus === undefined ? ['h2load', ...args] : ['taskset', '-c', o.cpus, 'h2load', ...args];
  try {
    const r = await run(argv[0]!, argv.slice(1), { timeoutMs: (o.durationSeconds + 30) * 1000 });
    if (r.code !== 0) throw new Error(`h2load failed: ${r.stderr || r.stdout}`);
    const m = /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(r.stdout);
    const codes = /status codes: (\d+) 2xx/.exec(r.stdout);
    const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    const latencies = lines.map((l) => Number(l.split('\t')[2]) / 1000).filter((n) => Number.isFinite(n));
    const done = Number(m?.[1] ?? latencies.length);
    const failed = Number(m?.[3] ?? 0) + (codes ? Math.max(0, Number(m?.[2] ?? 0) - Number(codes[1])) : 0);
    return { requests: done, failed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  } finally {
    await rm(log, { force: true });
  }
}
