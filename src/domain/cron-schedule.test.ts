import { describe, expect, it } from 'vitest';
import { parseCronSchedule } from './cron-schedule.js';

const at = (iso: string) => Date.parse(iso);
const next = (schedule: string, after: string) => {
  const t = parseCronSchedule(schedule).nextAfter(at(after));
  return t === undefined ? undefined : new Date(t).toISOString();
};

describe('cron schedules (UTC)', () => {
  it('every minute is due at the start of the next minute, never the same one', () => {
    expect(next('* * * * *', '2024-01-01T00:00:00Z')).toBe('2024-01-01T00:01:00.000Z');
    expect(next('* * * * *', '2024-01-01T00:00:59.999Z')).toBe('2024-01-01T00:01:00.000Z');
  });

  it('steps, ranges and lists', () => {
    expect(next('*/15 * * * *', '2024-01-01T00:16:00Z')).toBe('2024-01-01T00:30:00.000Z');
    expect(next('5/20 * * * *', '2024-01-01T00:26:00Z')).toBe('2024-01-01T00:45:00.000Z');
    expect(next('0 9-17/4 * * *', '2024-01-01T13:00:00Z')).toBe('2024-01-01T17:00:00.000Z');
    expect(next('30 1,13 * * *', '2024-01-01T02:00:00Z')).toBe('2024-01-01T13:30:00.000Z');
  });

  it('rolls over hours, days, months and years', () => {
    expect(next('0 0 * * *', '2024-12-31T23:59:00Z')).toBe('2025-01-01T00:00:00.000Z');
    expect(next('0 12 31 * *', '2024-04-01T00:00:00Z')).toBe('2024-05-31T12:00:00.000Z');
    expect(next('0 0 29 2 *', '2024-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('names for months and weekdays; 7 is Sunday', () => {
    expect(next('0 8 * jun mon-fri', '2024-06-01T00:00:00Z')).toBe('2024-06-03T08:00:00.000Z'); // 1 June 2024 is a Saturday
    expect(next('0 0 * * 7', '2024-01-01T00:00:00Z')).toBe('2024-01-07T00:00:00.000Z');
  });

  it('day of month OR day of week when both are restricted (Vixie cron)', () => {
    // The 15th, or any Monday: Monday 8 January comes first.
    expect(next('0 0 15 * 1', '2024-01-02T00:00:00Z')).toBe('2024-01-08T00:00:00.000Z');
    // Only the weekday restricted: every Monday regardless of date.
    expect(next('0 0 * * 1', '2024-01-09T00:00:00Z')).toBe('2024-01-15T00:00:00.000Z');
  });

  it('shorthands', () => {
    expect(next('@hourly', '2024-01-01T00:30:00Z')).toBe('2024-01-01T01:00:00.000Z');
    expect(next('@daily', '2024-01-01T00:30:00Z')).toBe('2024-01-02T00:00:00.000Z');
    expect(next('@weekly', '2024-01-01T00:30:00Z')).toBe('2024-01-07T00:00:00.000Z');
    expect(next('@monthly', '2024-01-01T00:30:00Z')).toBe('2024-02-01T00:00:00.000Z');
    expect(next('@yearly', '2024-01-01T00:30:00Z')).toBe('2025-01-01T00:00:00.000Z');
  });

  it('refuses what cron would not run, saying why', () => {
    expect(() => parseCronSchedule('* * * *')).toThrow(/five fields/);
    expect(() => parseCronSchedule('60 * * * *')).toThrow(/minute: 60/);
    expect(() => parseCronSchedule('* * * foo *')).toThrow(/foo/);
    expect(() => parseCronSchedule('5-1 * * * *')).toThrow(/larger than/);
    expect(() => parseCronSchedule('*/0 * * * *')).toThrow(/step/);
    expect(() => parseCronSchedule('0 0 30 2 *')).toThrow(/never comes/);
    expect(() => parseCronSchedule('@reboot')).toThrow(/not supported/);
    expect(() => parseCronSchedule('@often')).toThrow(/unknown shorthand/);
  });
});
