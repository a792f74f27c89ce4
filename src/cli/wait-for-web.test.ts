import { describe, expect, it } from 'vitest';
import type { Dyno } from '../client/api-types.js';
import { waitForWeb } from './wait-for-web.js';

const dyno = (name: string, state: string, version: number): Dyno => ({
  id: `${name}-${version}`, name, type: name.split('.')[0]!, size: 'standard-1x', state, command: 'npm start',
  release: { id: `r${version}`, version }, app: { id: 'a', name: 'demo' }, created_at: '', updated_at: '',
});

/** A clock that advances only when the waiter sleeps, so timeouts are exact and instant. */
function fakeTime() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => { t += ms; } };
}

describe('waitForWeb', () => {
  it('succeeds once every web dyno of the new release is up, ignoring the old release', async () => {
    const polls = [
      [dyno('web.1', 'up', 1), dyno('web.1', 'starting', 2)],
      [dyno('web.1', 'up', 1), dyno('web.1', 'up', 2), dyno('web.2', 'starting', 2)],
      [dyno('web.1', 'up', 2), dyno('web.2', 'up', 2)],
    ];
    const r = await waitForWeb({ listDynos: async () => polls.shift() ?? [], version: 2, quantity: 2, timeoutMs: 10_000, ...fakeTime() });
    expect(r).toEqual({ status: 'up', dynos: 2 });
    expect(polls).toHaveLength(0);
  });

  it('reports the first crashed dyno of the new release', async () => {
    const r = await waitForWeb({
      listDynos: async () => [dyno('web.1', 'crashed', 1), dyno('web.2', 'crashed', 2)], version: 2, quantity: 2, timeoutMs: 10_000, ...fakeTime(),
    });
    expect(r).toEqual({ status: 'crashed', dyno: 'web.2' });
  });

  it('sees the new release crashed while the old release of the same dyno still serves', async () => {
    const r = await waitForWeb({
      listDynos: async () => [dyno('web.1', 'up', 1), dyno('web.1', 'crashed', 2)], version: 2, quantity: 1, timeoutMs: 10_000, ...fakeTime(),
    });
    expect(r).toEqual({ status: 'crashed', dyno: 'web.1' });
  });

  it('gives up after the timeout, saying how many came up', async () => {
    const r = await waitForWeb({
      listDynos: async () => [dyno('web.1', 'up', 2), dyno('web.2', 'starting', 2)], version: 2, quantity: 2, timeoutMs: 3000, ...fakeTime(),
    });
    expect(r).toEqual({ status: 'timeout', up: 1, wanted: 2 });
  });
});
