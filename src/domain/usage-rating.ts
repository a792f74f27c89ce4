// Rating: turns recorded usage into a month's priced lines. Pure: the intervals, byte counts and
// prices come in, lines and a total go out. Price units: instance sizes and add-on plans per hour,
// `build` per minute, `router-gb` per GB (10^9 bytes) sent to clients. An item without a price costs 0.
import { BerthError } from './errors.js';

export type UsageLineKind = 'instance' | 'addon' | 'build' | 'router';

/** What the rating reads of one recorded interval. */
export interface RatedInterval {
  /** A one-off (`oneoff`) is rated as an instance of its size, under its process type (`run`, `scheduler`). */
  kind: 'instance' | 'oneoff' | 'addon' | 'build';
  appId: string;
  appName: string;
  item: string;
  processType: string | null;
  startedAt: string;
  endedAt: string | null;
}

export interface UsageLine {
  appId: string;
  appName: string;
  kind: UsageLineKind;
  /** The size, the add-on plan, `build` or `router-gb`. */
  item: string;
  /** Instances only. */
  processType: string | null;
  /** Seconds (instances, add-ons, builds) or bytes (router). */
  quantity: number;
  unit: 'seconds' | 'bytes';
  /** The price per `priceUnit`, 0 when the operator set none. */
  unitPrice: number;
  priceUnit: 'hour' | 'minute' | 'GB';
  /** quantity × unit price, rounded to cents. */
  amount: number;
}

export interface RatedUsage {
  lines: UsageLine[];
  /** The sum of the lines' (rounded) amounts. */
  total: number;
}

export const ROUTER_GB_ITEM = 'router-gb';
export const BUILD_ITEM = 'build';
const BYTES_PER_GB = 1e9;

const cents = (n: number) => Math.round(n * 100) / 100;

/** The month `2026-11` as [from, to): from its first instant to the next month's first, UTC. */
export function monthWindow(month: string): { from: string; to: string } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new BerthError('invalid_params', `month must look like 2026-11, not ${JSON.stringify(month)}.`, 'usage');
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return { from: new Date(Date.UTC(y, mo - 1, 1)).toISOString(), to: new Date(Date.UTC(y, mo, 1)).toISOString() };
}

/** The month (`2026-11`, UTC) a time falls in. */
export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/**
 * Rates the usage of [from, to): each interval counts only its part inside the window, and an open
 * one counts up to `now` (a month still running is billed so far).
 */
export function rateUsage(input: {
  intervals: readonly RatedInterval[];
  routerBytes: ReadonlyArray<{ appId: string; appName: string; bytes: number }>;
  prices: Readonly<Record<string, number>>;
  from: string;
  to: string;
  now: number;
}): RatedUsage {
  const from = Date.parse(input.from);
  const to = Math.min(Date.parse(input.to), input.now);
  const groups = new Map<string, { line: Omit<UsageLine, 'quantity' | 'amount' | 'unitPrice' | 'priceUnit' | 'unit'>; ms: number }>();
  for (const i of input.intervals) {
    const start = Math.max(Date.parse(i.startedAt), from);
    const end = Math.min(i.endedAt === null ? input.now : Date.parse(i.endedAt), to);
    if (end <= start) continue;
    const kind = i.kind === 'oneoff' ? 'instance' : i.kind;
    const key = [i.appId, kind, i.item, i.processType ?? ''].join('\0');
    const g = groups.get(key) ?? { line: { appId: i.appId, appName: i.appName, kind, item: i.item, processType: kind === 'instance' ? i.processType : null }, ms: 0 };
    g.ms += end - start;
    groups.set(key, g);
  }
  const lines: UsageLine[] = [...groups.values()].map(({ line, ms }) => {
    const seconds = ms / 1000;
    const unitPrice = input.prices[line.item] ?? 0;
    const priceUnit = line.kind === 'build' ? 'minute' : 'hour';
    return { ...line, quantity: seconds, unit: 'seconds', unitPrice, priceUnit, amount: cents((seconds / (priceUnit === 'minute' ? 60 : 3600)) * unitPrice) };
  });
  for (const r of input.routerBytes) {
    if (r.bytes <= 0) continue;
    const unitPrice = input.prices[ROUTER_GB_ITEM] ?? 0;
    lines.push({ appId: r.appId, appName: r.appName, kind: 'router', item: ROUTER_GB_ITEM, processType: null, quantity: r.bytes, unit: 'bytes', unitPrice, priceUnit: 'GB', amount: cents((r.bytes / BYTES_PER_GB) * unitPrice) });
  }
  const order: UsageLineKind[] = ['instance', 'addon', 'build', 'router'];
  lines.sort((a, b) => a.appName.localeCompare(b.appName) || order.indexOf(a.kind) - order.indexOf(b.kind) || a.item.localeCompare(b.item)
    || (a.processType ?? '').localeCompare(b.processType ?? ''));
  return { lines, total: cents(lines.reduce((sum, l) => sum + l.amount, 0)) };
}
