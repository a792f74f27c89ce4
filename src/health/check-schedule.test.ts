// When app.json healthcheck attempts are made, on a clock the test moves: `uptime` and `initialDelay`
// count from the instance's start, and a liveness watch never tries faster than once a second.
import { expect, it } from 'vitest';
import type { Healthcheck } from '../domain/healthchecks.js';
import { CheckSchedule } from './check-schedule.js';

const check = (c: Partial<Healthcheck>): Healthcheck => ({
  type: 'startup', name: 'x', kind: 'path', path: '/health', attempts: 3, timeout: 5, wait: 5, initialDelay: 0, ...c,
});
const T0 = 1_000_000;

it('an uptime check passes once the instance has run that long, without asking it anything', async () => {
  const schedule = new CheckSchedule([check({ kind: 'uptime', path: undefined, uptime: 10 })], T0, T0, 'gate');
  const asked: string[] = [];
  const attempt = async (c: Healthcheck) => (asked.push(c.name), { ok: true as const });
  expect(await schedule.step(T0 + 2000, attempt)).toEqual({ state: 'waiting', wakeInMs: 8000 });
  expect(asked).toEqual([]);
  expect(await schedule.step(T0 + 10_000, attempt)).toEqual({ state: 'passed' });
});

it('a liveness watch with wait 0 is tried once a second, not in a loop, and a success resets its count', async () => {
  const schedule = new CheckSchedule([check({ type: 'liveness', wait: 0, attempts: 2 })], T0, T0, 'watch');
  const fail = async () => ({ ok: false as const, problem: 'down' });
  const pass = async () => ({ ok: true as const });
  expect(await schedule.step(T0, fail)).toEqual({ state: 'waiting', wakeInMs: 1000 });
  expect(await schedule.step(T0 + 1000, pass)).toEqual({ state: 'waiting', wakeInMs: 1000 });
  expect(await schedule.step(T0 + 2000, fail)).toEqual({ state: 'waiting', wakeInMs: 1000 }); // 1 in a row again
  expect(await schedule.step(T0 + 3000, fail)).toMatchObject({ state: 'failed', failures: 2, problem: 'down' });
});
