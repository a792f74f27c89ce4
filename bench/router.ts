// Benchmark 1: router throughput and overhead against the backend itself, nginx and Caddy.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './lib/context.js';
import { LOAD_CPU, MEASURED_CPU } from './lib/context.js';
import { openLoop, wrk, type WrkResult } from './lib/load-tools.js';
import { startCaddy, startNginx } from './lib/peer-proxies.js';
import { Cleanup, freePort, startProcess, waitForPort, type Started } from './lib/processes.js';
import { cpuSeconds } from './lib/proc-stat.js';
import { median } from './lib/stats.js';
import type { BenchResult, Row } from './lib/table.js';
import { tlsHandshakes } from './lib/tls-handshakes.js';
import { websocketRtt } from './lib/websocket-rtt.js';
import { ensureSelfSignedCertificate } from '../src/platform/self-signed-certificate.js';

const CONNECTIONS = 50;
const OPEN_LOOP_RATE = 2000;
const MANY_APPS = 1000;

interface Target {
  name: string;
  port: number;
  host?: string;
  /** The process whose CPU time is the cost of this hop. */
  measured: Started;
}

interface Round { rps: number; p50Ms: number; p99Ms: number; perCpuSecond: number; errors: number }

async function measure(t: Target, connections: number, seconds: number): Promise<Round> {
  const before = cpuSeconds(t.measured.pid);
  const r: WrkResult = await wrk({ url: `http://127.0.0.1:${t.port}/`, host: t.host, connections, durationSeconds: seconds, cpus: LOAD_CPU });
  const cpu = cpuSeconds(t.measured.pid) - before;
  return { rps: r.requestsPerSecond, p50Ms: r.p50Ms, p99Ms: r.p99Ms, perCpuSecond: cpu > 0 ? r.requests / cpu : NaN, errors: r.errors };
}

export async function runRouter(ctx: BenchContext): Promise<BenchResult> {
  const cleanup = new Cleanup();
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-router-'));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  try {
    const backendPort = await freePort();
    const backend = startProcess(process.execPath, [join(ctx.compiled, 'router-backend.js'), String(backendPort)], { cpus: LOAD_CPU });
    cleanup.add(() => backend.stop());
    await waitForPort(backendPort, backend);

    // One certificate for both HTTPS listeners (RSA 2048, as most sites still serve).
    const tls = { certFile: join(dir, 'bench.crt'), keyFile: join(dir, 'bench.key'), commonName: 'app-0.bench.test' };
    const made = await ensureSelfSignedCertificate({ ...tls, hosts: ['app-0.bench.test'] });
    if (!made.ok) throw new Error(made.reason);
    const nginxPort = await freePort();
    const nginxHttpsPort = await freePort();
    const nginx = await startNginx(join(dir, 'nginx'), nginxPort, backendPort, MEASURED_CPU, { port: nginxHttpsPort, ...tls });
    cleanup.add(() => nginx.stop());
    const caddyPort = await freePort();
    const caddy = await startCaddy(join(dir, 'caddy'), caddyPort, backendPort, MEASURED_CPU);
    cleanup.add(() => caddy.stop());
    const berth = async (apps: number) => {
      const [port, httpsPort] = [await freePort(), await freePort()];
      const p = startProcess(process.execPath, [join(ctx.compiled, 'router-driver.js'), String(port), String(backendPort), String(apps), join(dir, `logs-${apps}`), String(httpsPort), tls.certFile, tls.keyFile], { cpus: MEASURED_CPU });
      cleanup.add(() => p.stop());
      await waitForPort(port, p);
      await waitForPort(httpsPort, p);
      return { port, httpsPort, p };
    };
    const one = await berth(1);
    const many = await berth(MANY_APPS);

    const targets: Target[] = [
      { name: 'direct', port: backendPort, measured: backend },
      { name: 'nginx', port: nginxPort, measured: nginx },
      { name: 'caddy', port: caddyPort, measured: caddy },
      { name: 'berth', port: one.port, host: 'app-0.localhost', measured: one.p },
      { name: 'berth-1000', port: many.port, host: `app-${MANY_APPS / 2}.localhost`, measured: many.p },
    ];

    // Warm-up: JITs, upstream pools, nginx's keep-alive cache.
    for (const t of targets) await measure(t, CONNECTIONS, 1);
    const rounds = new Map<string, Round[]>(targets.map((t) => [t.name, []]));
    for (let i = 0; i < ctx.rounds; i++) {
      for (const t of targets) rounds.get(t.name)!.push(await measure(t, CONNECTIONS, ctx.durationSeconds));
    }
    const unloaded = new Map<string, Round>();
    for (const t of targets) unloaded.set(t.name, await measure(t, 1, 2));
    const open = new Map<string, { p50Ms: number; p99Ms: number; failed: number; requests: number }>();
    for (const t of targets) {
      open.set(t.name, await openLoop({ url: `http://127.0.0.1:${t.port}/`, host: t.host, rate: OPEN_LOOP_RATE, clients: 20, durationSeconds: ctx.durationSeconds, cpus: LOAD_CPU }));
    }
    const wsDirect = await websocketRtt(`ws://127.0.0.1:${backendPort}/`, undefined, 2000);
    const wsBerth = await websocketRtt(`ws://127.0.0.1:${one.port}/`, 'app-0.localhost', 2000);
    const wsNginx = await websocketRtt(`ws://127.0.0.1:${nginxPort}/`, undefined, 2000);

    // HTTPS: keep-alive requests (wrk over TLS, one handshake per connection) and full handshakes,
    // both per CPU-second of the proxy, Berth's router beside nginx with the same certificate.
    const httpsTargets = [
      { name: 'berth', port: one.httpsPort, measured: one.p },
      { name: 'nginx', port: nginxHttpsPort, measured: nginx },
    ];
    const httpsRounds = new Map<string, Array<{ perCpuSecond: number; handshakesPerCpuSecond: number; errors: number }>>(httpsTargets.map((t) => [t.name, []]));
    for (let i = 0; i < ctx.rounds; i++) {
      for (const t of httpsTargets) {
        const before = cpuSeconds(t.measured.pid);
        const r = await wrk({ url: `https://127.0.0.1:${t.port}/`, host: 'app-0.bench.test', connections: CONNECTIONS, durationSeconds: ctx.durationSeconds, cpus: LOAD_CPU });
        const mid = cpuSeconds(t.measured.pid);
        const h = await tlsHandshakes({ port: t.port, servername: 'app-0.bench.test', seconds: ctx.durationSeconds, concurrency: 8 });
        const after = cpuSeconds(t.measured.pid);
        httpsRounds.get(t.name)!.push({ perCpuSecond: r.requests / (mid - before), handshakesPerCpuSecond: h.handshakes / (after - mid), errors: r.errors + h.errors });
      }
    }
    const httpsRow = (metric: string, key: 'perCpuSecond' | 'handshakesPerCpuSecond', unit: string): Row => {
      const [b, n] = [httpsRounds.get('berth')!, httpsRounds.get('nginx')!];
      return { metric, berth: median(b.map((r) => r[key])), peer: median(n.map((r) => r[key])), peerName: 'nginx', unit, ratio: median(b.map((r, i) => r[key] / n[i]![key])) };
    };
    const httpsErrors = [...httpsRounds.values()].flat().reduce((s, r) => s + r.errors, 0);

    const med = (name: string, key: keyof Round) => median(rounds.get(name)!.map((r) => r[key]));
    // The median of per-round ratios, as BENCHMARKING.md asks: rounds are taken minutes apart on a noisy box.
    const ratioOf = (a: string, b: string, key: keyof Round) => median(rounds.get(a)!.map((r, i) => r[key] / rounds.get(b)![i]![key]));
    const row = (metric: string, a: string, b: string, key: keyof Round, unit: string, note?: string): Row =>
      ({ metric, berth: med(a, key), peer: med(b, key), peerName: b, unit, ratio: ratioOf(a, b, key), note });
    const addedP99 = (name: string) => open.get(name)!.p99Ms - open.get('direct')!.p99Ms;

    const rows: Row[] = [
      row(`req/s, ${CONNECTIONS} conn keep-alive`, 'berth', 'nginx', 'rps', 'req/s'),
      row(`req/s, ${CONNECTIONS} conn keep-alive`, 'berth', 'caddy', 'rps', 'req/s'),
      row(`req/s, ${CONNECTIONS} conn keep-alive`, 'berth', 'direct', 'rps', 'req/s', 'direct = physical limit'),
      row(`req/s, ${MANY_APPS} apps in table`, 'berth-1000', 'nginx', 'rps', 'req/s'),
      row('req per proxy CPU-second', 'berth', 'nginx', 'perCpuSecond', 'req/cpu-s'),
      row('req per proxy CPU-second', 'berth', 'caddy', 'perCpuSecond', 'req/cpu-s'),
      row(`req per proxy CPU-second, ${MANY_APPS} apps`, 'berth-1000', 'nginx', 'perCpuSecond', 'req/cpu-s'),
      row(`p50 at ${CONNECTIONS} conn (closed loop)`, 'berth', 'nginx', 'p50Ms', 'ms'),
      row(`p99 at ${CONNECTIONS} conn (closed loop)`, 'berth', 'nginx', 'p99Ms', 'ms'),
      { metric: 'unloaded p50, 1 conn', berth: unloaded.get('berth')!.p50Ms, peer: unloaded.get('nginx')!.p50Ms, peerName: 'nginx', unit: 'ms', note: `direct ${unloaded.get('direct')!.p50Ms.toFixed(3)} ms` },
      { metric: 'unloaded p99, 1 conn', berth: unloaded.get('berth')!.p99Ms, peer: unloaded.get('nginx')!.p99Ms, peerName: 'nginx', unit: 'ms', note: `direct ${unloaded.get('direct')!.p99Ms.toFixed(3)} ms` },
      { metric: `added p99 at ${OPEN_LOOP_RATE} req/s (open loop)`, berth: addedP99('berth'), peer: addedP99('nginx'), peerName: 'nginx', unit: 'ms', note: `direct p99 ${open.get('direct')!.p99Ms.toFixed(2)} ms; caddy +${addedP99('caddy').toFixed(2)} ms` },
      { metric: 'websocket echo round trip p50', berth: wsBerth.p50Ms, peer: wsNginx.p50Ms, peerName: 'nginx', unit: 'ms', note: `direct ${wsDirect.p50Ms.toFixed(3)} ms` },
      { metric: 'websocket echo round trip p50', berth: wsBerth.p50Ms, peer: wsDirect.p50Ms, peerName: 'direct', unit: 'ms' },
      { metric: 'websocket echo round trip p99', berth: wsBerth.p99Ms, peer: wsDirect.p99Ms, peerName: 'direct', unit: 'ms' },
    ];
    const errors = [...rounds.values()].flat().reduce((s, r) => s + r.errors, 0);
    rows.push(
      httpsRow('HTTPS keep-alive req per proxy CPU-second', 'perCpuSecond', 'req/cpu-s'),
      httpsRow('TLS handshakes per proxy CPU-second (RSA 2048, no resumption)', 'handshakesPerCpuSecond', 'hs/cpu-s'),
    );
    if (httpsErrors > 0) rows.push({ metric: 'errors during HTTPS runs (both targets)', berth: httpsErrors, unit: 'responses' });
    if (errors > 0) rows.push({ metric: 'errors during load runs (all targets)', berth: errors, unit: 'responses' });
    return {
      name: 'router', title: `proxy throughput and overhead (proxy pinned to cpu ${MEASURED_CPU}, wrk + backend on cpu ${LOAD_CPU}, ${ctx.rounds} interleaved rounds of ${ctx.durationSeconds} s)`,
      rows,
      details: { rounds: Object.fromEntries(rounds), unloaded: Object.fromEntries(unloaded), openLoop: Object.fromEntries(open), websocket: { direct: wsDirect, berth: wsBerth, nginx: wsNginx } },
    };
  } finally {
    await cleanup.run();
  }
}
