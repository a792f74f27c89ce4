// After a deploy: wait until every web dyno of the new release is up, or one crashed, or time runs out.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dyno } from '../client/api-types.js';

export type WebOutcome =
  | { status: 'up'; dynos: number }
  | { status: 'crashed'; dyno: string }
  | { status: 'timeout'; up: number; wanted: number };

export interface WaitForWebOptions {
  listDynos(): Promise<Dyno[]>;
  version: number;
  /** Web dynos the formation asks for. */
  quantity: number;
  timeoutMs: number;
  intervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Level-based: each poll looks at the dynos as they are. Dynos of older releases are ignored,
 * since they keep serving (and may still be `up`) while the new ones boot.
 */
export async function waitForWeb(o: WaitForWebOptions): Promise<WebOutcome> {
  const now = o.now ?? Date.now;
  const pause = o.sleep ?? sleep;
  const deadline = now() + o.timeoutMs;
  let up = 0;
  for (;;) {
    const web = (await o.listDynos()).filter((d) => d.type === 'web' && d.release?.version === o.version);
    const crashed = web.find((d) => d.state === 'crashed');
    if (crashed) return { status: 'crashed', dyno: crashed.name };
    up = web.filter((d) => d.state === 'up').length;
    if (up >= o.quantity) return { status: 'up', dynos: up };
    if (now() >= deadline) return { status: 'timeout', up, wanted: o.quantity };
    await pause(o.intervalMs ?? 500);
  }
}
