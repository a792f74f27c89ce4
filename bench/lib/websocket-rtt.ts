// Websocket echo round trips, one message in flight at a time: the latency a chatty client feels.
import WebSocket from 'ws';
import { nowMs, percentile } from './stats.js';

export interface RttResult { p50Ms: number; p99Ms: number; messages: number }

export async function websocketRtt(url: string, host: string | undefined, messages: number): Promise<RttResult> {
  const ws = new WebSocket(url, { headers: host ? { Host: host } : {} });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const payload = Buffer.alloc(32, 'x');
  const samples: number[] = [];
  try {
    for (let i = 0; i < messages; i++) {
      const t0 = nowMs();
      await new Promise<void>((resolve, reject) => {
        ws.once('message', () => resolve());
        ws.once('error', reject);
        ws.send(payload);
      });
      ws.removeAllListeners('error');
      samples.push(nowMs() - t0);
    }
  } finally {
    ws.terminate();
  }
  // The first messages warm up JITs and connections on every hop.
  const kept = samples.slice(Math.min(100, Math.floor(samples.length / 10)));
  return { p50Ms: percentile(kept, 50), p99Ms: percentile(kept, 99), messages: kept.length };
}
