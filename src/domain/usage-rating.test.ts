import { describe, expect, it } from 'vitest';
import { monthWindow, rateUsage, type RatedInterval } from './usage-rating.js';

const web = (startedAt: string, endedAt: string | null, item = 'standard-1x'): RatedInterval =>
  ({ kind: 'instance', appId: 'a1', appName: 'alpha', item, processType: 'web', startedAt, endedAt });
const NOV = monthWindow('2026-11');
const END_OF_TIME = Date.parse('2030-01-01T00:00:00Z');

describe('rateUsage', () => {
  it('counts only the part of an interval inside the month', () => {
    const rated = rateUsage({
      intervals: [web('2026-10-31T23:00:00Z', '2026-11-01T01:00:00Z'), web('2026-11-30T23:30:00Z', '2026-12-01T00:30:00Z')],
      routerBytes: [], prices: { 'standard-1x': 1 }, ...NOV, now: END_OF_TIME,
    });
    expect(rated.lines.map((l) => [l.quantity, l.amount])).toEqual([[3600 + 1800, 1.5]]);
  });

  it('counts an open interval up to now, and nothing of the future', () => {
    const now = Date.parse('2026-11-10T00:00:10Z');
    const rated = rateUsage({ intervals: [web('2026-11-10T00:00:00Z', null)], routerBytes: [], prices: {}, ...NOV, now });
    expect(rated.lines[0]!.quantity).toBe(10);
    expect(rateUsage({ intervals: [web('2026-11-10T00:00:00Z', null)], routerBytes: [], prices: {}, ...monthWindow('2026-12'), now }).lines).toEqual([]);
  });

  it('prices sizes and plans per hour, builds per minute, router bytes per GB; unpriced items cost 0', () => {
    const rated = rateUsage({
      intervals: [
        web('2026-11-01T00:00:00Z', '2026-11-01T00:30:00Z'), web('2026-11-01T00:00:00Z', '2026-11-01T01:00:00Z', 'standard-2x'),
        { kind: 'addon', appId: 'a1', appName: 'alpha', item: 'redis:dev', processType: null, startedAt: '2026-11-01T00:00:00Z', endedAt: '2026-11-01T10:00:00Z' },
        { kind: 'build', appId: 'a1', appName: 'alpha', item: 'build', processType: null, startedAt: '2026-11-01T00:00:00Z', endedAt: '2026-11-01T00:01:30Z' },
      ],
      routerBytes: [{ appId: 'a1', appName: 'alpha', bytes: 2_500_000_000 }],
      prices: { 'standard-1x': 0.1, 'redis:dev': 0.01, build: 0.02, 'router-gb': 0.1 }, ...NOV, now: END_OF_TIME,
    });
    expect(rated.lines.map((l) => `${l.kind} ${l.item} ${l.quantity} ${l.unitPrice}/${l.priceUnit} = ${l.amount}`)).toEqual([
      'instance standard-1x 1800 0.1/hour = 0.05', 'instance standard-2x 3600 0/hour = 0',
      'addon redis:dev 36000 0.01/hour = 0.1', 'build build 90 0.02/minute = 0.03', 'router router-gb 2500000000 0.1/GB = 0.25',
    ]);
    expect(rated.total).toBe(0.43);
  });

  it('keeps process types apart, and the total is the sum of the rounded lines', () => {
    const worker = { ...web('2026-11-01T00:00:00Z', '2026-11-01T00:00:20Z'), processType: 'worker' };
    const rated = rateUsage({ intervals: [web('2026-11-01T00:00:00Z', '2026-11-01T00:00:20Z'), worker], routerBytes: [], prices: { 'standard-1x': 0.9 }, ...NOV, now: END_OF_TIME });
    expect(rated.lines.map((l) => [l.processType, l.amount])).toEqual([['web', 0.01], ['worker', 0.01]]);
    expect(rated.total).toBe(0.02);
  });
});

describe('monthWindow', () => {
  it('is the month in UTC, December running into January', () => {
    expect(monthWindow('2026-12')).toEqual({ from: '2026-12-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
    expect(() => monthWindow('2026-13')).toThrow(/2026-11/);
  });
});
