// An open-loop load generator in this process: requests leave on a fixed schedule whether or not
// earlier ones have answered, and every outcome is kept with its send time so windows can be cut later.
import { Agent, request } from 'node:http';
import { nowMs, percentile } from './stats.js';

export interface Sample { t: number; ms: number; ok: boolean; status: number }

export interface OpenLoad {
  samples: Sample[];
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<Sample[]>;
}

export function startOpenLoad(o: { port: number; host: string; path?: string; rate: number; timeoutMs?: number }): OpenLoad {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const samples: Sample[] = [];
  let inFlight = 0;
  let stopped = false;
  let idle: (() => void) | undefined;
  const fire = () => {
    const t = nowMs();
    inFlight++;
    let done = false;
    const finish = (ok: boolean, status: number) => {
      if (done) return;
      done = true;
      samples.push({ t, ms: nowMs() - t, ok, status });
      if (--inFlight === 0 && idle) idle();
    };
    const req = request({ host: '127.0.0.1', port: o.port, path: o.path ?? '/', agent, headers: { Host: o.host }, timeout: o.timeoutMs ?? 5000 }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode === 200, res.statusCode ?? 0));
      res.on('error', () => finish(false, 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => finish(false, 0));
    req.end();
  };
  // A 10 ms tick sends what the schedule owes, so a late tick catches up instead of lowering the rate.
  const start = nowMs();
  let sent = 0;
  const timer = setInterval(() => {
    const owed = Math.floor(((nowMs() - start) / 1000) * o.rate) - sent;
    for (let i = 0; i < owed; i++) fire();
    sent += Math.max(0, owed);
  }, 10);
  return {
    samples,
    async stop() {
      if (!stopped) {
        stopped = true;
        clearInterval(timer);
        if (inFlight > 0) await new Promise<void>((r) => (idle = r));
        agent.destroy();
      }
      return samples;
    },
  };
}

export function summarize(samples: Sample[]): { requests: number; failed: number; p50Ms: number; p99Ms: number } {
  const ms = samples.filter((s) => s.ok).map((s) => s.ms);
  return { requests: samples.length, failed: samples.filter((s) => !s.ok).length, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99) };
}
