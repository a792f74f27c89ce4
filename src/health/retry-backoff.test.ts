import { describe, expect, it } from 'vitest';
import { KeyedRetryBackoff } from './retry-backoff.js';

describe('KeyedRetryBackoff', () => {
  it('waits 1 s after the first failure, doubling to a 60 s cap, and starts afresh after a reset', () => {
    const backoff = new KeyedRetryBackoff();
    const delays = Array.from({ length: 9 }, () => backoff.failed('app', 0));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(backoff.waitFor('app', 10_000)).toBe(50_000);
    backoff.reset('app');
    expect(backoff.waitFor('app', 10_000)).toBe(0);
    expect(backoff.failed('app', 10_000)).toBe(1000);
  });
});
