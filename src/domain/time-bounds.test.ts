import { describe, expect, it } from 'vitest';
import { parseDuration, parseTimeBound } from './time-bounds.js';

const now = Date.parse('2026-11-30T12:00:00Z');

describe('time bounds', () => {
  it('reads durations with a unit, and bare numbers as seconds', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2 weeks')).toBeUndefined();
    expect(parseDuration('-1h')).toBeUndefined();
  });

  it('reads a relative bound as that long ago, and ISO 8601 times as given', () => {
    expect(parseTimeBound('2h', now)).toBe(Date.parse('2026-11-30T10:00:00Z'));
    expect(parseTimeBound('2026-11-30T06:30:00Z', now)).toBe(Date.parse('2026-11-30T06:30:00Z'));
    expect(parseTimeBound('2026-11-30T07:30:00+01:00', now)).toBe(Date.parse('2026-11-30T06:30:00Z'));
    expect(parseTimeBound('2026-11-29', now)).toBe(Date.parse('2026-11-29T00:00:00Z'));
    expect(parseTimeBound('yesterday', now)).toBeUndefined();
    expect(parseTimeBound('2026-13-45T99:00:00Z', now)).toBeUndefined();
  });
});
