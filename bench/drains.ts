// Benchmark: Berth's CPU to deliver its log stream to a drain, per 1,000 lines/s: a real rsyslogd
// (syslog over TCP, RFC 5424 octet-counted) and an HTTPS logplex receiver (its own process), fed
// from a LogHub at a fixed rate. Each round measures this process's CPU with no drain (the hub and
// the writer alone), then with each drain; the difference is what the drain costs. The receivers'
// own CPU is shown beside it as the peer figure.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDrainUrl } from '../src/domain/log-drains.js';
import { DrainDelivery } from '../src/logs/drains/drain-delivery.js';
import { drainTransports } from '../src/logs/drains/drain-transports.js';
import { LogHub } from '../src/logs/log-hub.js';
import { systemClock } from '../src/platform/clock.js';
import { silentLogger } from '../src/platform/logger.js';
import { RsyslogReceiver, rsyslog } from '../test/support/rsyslog-receiver.js';
import type { BenchContext } from './lib/context.js';
import { median, sleep } from './lib/stats.js';
import type { BenchResult, Row } from './lib/table.js';
import { OutboundPolicy } from '../src/platform/outbound-policy.js';

/** The receiver runs on this machine: its loopback is allowed, as an operator would with BERTH_OUTBOUND_ALLOW. */
const RECEIVER_ON_THIS_MACHINE = OutboundPolicy.fromSetting('127.0.0.0/8,::1');

const RATE = 5_000; // lines per second
const LINE = 'at=info method=GET path="/products/42?page=3" host=shop.example.com request_id=0f4c9a1e-6a7b-4e0c-9d1f-2b3c4d5e6f70 fwd="203.0.113.9" dyno=web.1 connect=0ms service=12ms status=200 bytes=5120';

const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const ticksOf = (pid: number): number => {
  const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
};

/**
 * Writes up to RATE lines/s into the app's stream for `seconds` (fewer when the timers run late on a
 * busy machine: the figures are per line actually written); returns this process's CPU-seconds meanwhile.
 */
async function feed(hub: LogHub, appId: string, seconds: number): Promise<{ cpu: number; lines: number }> {
  const per = RATE / 100;
  const c0 = cpuSeconds();
  const end = Date.now() + seconds * 1000;
  let lines = 0;
  while (Date.now() < end) {
    for (let i = 0; i < per; i++) hub.write(appId, 'router', '', LINE);
    lines += per;
    await sleep(10);
  }
  return { cpu: cpuSeconds() - c0, lines };
}

async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await check()) return true; await sleep(50); }
  return false;
}

export async function runDrains(ctx: BenchContext): Promise<BenchResult> {
  const title = 'log drains: CPU per 1,000 lines/s delivered (issue 16)';
  const missing = rsyslog.check();
  if (missing) return { name: 'drains', title, rows: [], details: {}, skipped: `${rsyslog.name}: ${missing}; ${rsyslog.install}` };
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-drains-'));
  const stop = new AbortController();
  const receiver = await RsyslogReceiver.start(join(dir, 'rsyslog'));
  const httpsChild = spawn(process.execPath, [join(ctx.compiled, 'drain-receiver.js'), join(dir, 'rsyslog', 'server.crt'), join(dir, 'rsyslog', 'server.key')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const httpsPort = await new Promise<number>((resolve, reject) => {
      httpsChild.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
      httpsChild.once('exit', (code) => reject(new Error(`the HTTPS receiver exited ${code}`)));
    });
    const rsyslogPid = Number(readFileSync(join(dir, 'rsyslog', 'rsyslogd.pid'), 'utf8').trim());
    const hub = new LogHub({ dir: join(dir, 'logs'), linesPerApp: 1500 });
    await hub.start(stop.signal);
    const transports = drainTransports({ clock: systemClock, outbound: RECEIVER_ON_THIS_MACHINE, extraCa: [readFileSync(receiver.caFile, 'utf8')] });
    const drainTo = (appId: string, url: string) => {
      const delivery = new DrainDelivery({
        appId, appName: () => 'bench', token: `d.${appId}`, stream: hub, appLog: hub, clock: systemClock, logger: silentLogger,
        transport: transports(parseDrainUrl(url), `d.${appId}`),
      });
      void delivery.start(stop.signal).catch(() => undefined);
      return delivery;
    };
    const syslog = drainTo('syslog', `syslog://127.0.0.1:${receiver.tcpPort}`);
    const https = drainTo('https', `https://localhost:${httpsPort}/bench`);
    // CPU-seconds per line written, per run.
    const per = { none: [] as number[], syslog: [] as number[], https: [] as number[], rsyslogd: [] as number[], receiver: [] as number[] };
    const perLine = (r: { cpu: number; lines: number }) => r.cpu / r.lines;
    const seconds = ctx.durationSeconds;
    for (let round = 0; round < ctx.rounds; round++) {
      per.none.push(perLine(await feed(hub, 'nodrain', seconds)));
      const r0 = ticksOf(rsyslogPid);
      const s = await feed(hub, 'syslog', seconds);
      await until(() => syslog.stats.buffered === 0, 30_000);
      per.syslog.push(perLine(s));
      per.rsyslogd.push((ticksOf(rsyslogPid) - r0) / s.lines);
      const h0 = ticksOf(httpsChild.pid!);
      const h = await feed(hub, 'https', seconds);
      await until(() => https.stats.buffered === 0, 30_000);
      per.https.push(perLine(h));
      per.receiver.push((ticksOf(httpsChild.pid!) - h0) / h.lines);
    }
    // % of one core per 1,000 lines/s: CPU-seconds per line × 1,000 lines each second × 100.
    const pct = (cpuPerLine: number) => cpuPerLine * 1000 * 100;
    const cost = (runs: number[]) => pct(median(runs) - median(per.none));
    const rows: Row[] = [
      { metric: 'syslog (TCP) drain: Berth CPU per 1,000 lines/s', berth: cost(per.syslog), peer: pct(median(per.rsyslogd)), peerName: 'rsyslogd receiving', unit: '% of a core' },
      { metric: 'HTTPS drain: Berth CPU per 1,000 lines/s', berth: cost(per.https), peer: pct(median(per.receiver)), peerName: 'node https receiver', unit: '% of a core' },
      { metric: 'log hub alone (no drain) per 1,000 lines/s', berth: pct(median(per.none)), unit: '% of a core', note: 'writes, ring buffer, file' },
      { metric: 'lines dropped (syslog / https)', berth: syslog.stats.dropped + https.stats.dropped, unit: 'lines', note: `${syslog.stats.sent} + ${https.stats.sent} sent` },
    ];
    return { name: 'drains', title, rows, details: { rate: RATE, seconds, rounds: ctx.rounds, cpuSeconds: per, sent: { syslog: syslog.stats.sent, https: https.stats.sent } } };
  } finally {
    stop.abort();
    httpsChild.kill('SIGTERM');
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
