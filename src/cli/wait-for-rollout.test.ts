import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../client/api-error.js';
import type { Build, Release } from '../client/api-types.js';
import { waitForBuildEnd, waitForRolloutEnd, type RolloutApi } from './wait-for-rollout.js';

type State = NonNullable<Release['rollout']>['state'];
const release = (id: string, version: number, state: State, opts: { reason?: string; slug?: string; current?: boolean } = {}): Release => ({
  id, version, description: 'Deploy', status: state === 'failed' ? 'failed' : state === 'live' || state === 'superseded' ? 'succeeded' : 'pending',
  status_reason: opts.reason ?? null, rollout: { state, reason: opts.reason ?? null, changed_at: '' },
  created_at: '', updated_at: '', current: opts.current ?? false, user: { id: 'u', email: 'a@example.com' }, app: { id: 'a', name: 'demo' },
  slug: { id: opts.slug ?? 's1' }, addon_plan_names: [], output_stream_url: null,
});
const build = (status: Build['status']): Build => ({
  id: 'b1', app: { id: 'a' }, status, output_stream_url: null, source_blob: { url: '', version: null }, release: null, slug: null,
  user: { id: 'u', email: 'a@example.com' }, created_at: '', updated_at: '',
});

/** A clock that advances only when the waiter sleeps, so deadlines are exact and instant. */
function fakeTime() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => { t += ms; } };
}

/** An API whose answers for each release are given in turn (the last one repeats). */
function api(answers: Record<string, Release[]>, builds: (Build | Error)[] = [], list: Release[] = []): RolloutApi {
  return {
    getRelease: async (_app, id) => { const a = answers[String(id)]!; return a.length > 1 ? a.shift()! : a[0]!; },
    getBuild: async () => { const b = builds.length > 1 ? builds.shift()! : builds[0]!; if (b instanceof Error) throw b; return b; },
    listReleases: async () => list,
  };
}

describe('waitForRolloutEnd', () => {
  it('reads the stored rollout until it is live', async () => {
    const r = await waitForRolloutEnd(api({ r1: [release('r1', 1, 'releasing'), release('r1', 1, 'releasing'), release('r1', 1, 'live')] }), 'demo', 'r1', { deadline: 60_000, ...fakeTime() });
    expect(r).toMatchObject({ state: 'live', release: { version: 1 } });
  });

  it('answers with the reason the server stored when the rollout failed', async () => {
    const r = await waitForRolloutEnd(api({ r1: [release('r1', 1, 'releasing'), release('r1', 1, 'failed', { reason: 'web.1 crashed (exit code 1) before it came up' })] }), 'demo', 'r1', { deadline: 60_000, ...fakeTime() });
    expect(r).toMatchObject({ state: 'failed', reason: 'web.1 crashed (exit code 1) before it came up' });
  });

  it('follows a config change made during the rollout (same slug) to its verdict', async () => {
    const r = await waitForRolloutEnd(api({
      r1: [release('r1', 1, 'releasing'), release('r1', 1, 'superseded', { reason: 'superseded by v2 before it went live' })],
      r2: [release('r2', 2, 'releasing', { current: true }), release('r2', 2, 'live', { current: true })],
    }, [], [release('r2', 2, 'releasing', { current: true })]), 'demo', 'r1', { deadline: 60_000, ...fakeTime() });
    expect(r).toMatchObject({ state: 'live', release: { version: 2 } });
  });

  it('reports a release superseded by another build with the reason', async () => {
    const r = await waitForRolloutEnd(api({ r1: [release('r1', 1, 'superseded', { reason: 'superseded by v2 before it went live' })] }, [],
      [release('r2', 2, 'releasing', { current: true, slug: 's2' })]), 'demo', 'r1', { deadline: 60_000, ...fakeTime() });
    expect(r).toMatchObject({ state: 'superseded', reason: 'superseded by v2 before it went live' });
  });

  it('stops at the deadline with the rollout as it stands', async () => {
    const r = await waitForRolloutEnd(api({ r1: [release('r1', 1, 'releasing')] }), 'demo', 'r1', { deadline: 30_000, ...fakeTime() });
    expect(r).toMatchObject({ state: 'timeout', release: { rollout: { state: 'releasing' } } });
  });
});

describe('waitForBuildEnd', () => {
  it('waits out a server restart and returns the build as the restarted server ended it', async () => {
    const down = new ConnectionError('http://127.0.0.1:5000', 'ECONNREFUSED');
    const b = await waitForBuildEnd(api({}, [build('pending'), down, down, build('failed')]), 'demo', 'b1', { deadline: 60_000, ...fakeTime() });
    expect(b?.status).toBe('failed');
  });

  it('gives up at the deadline while the build is still running', async () => {
    expect(await waitForBuildEnd(api({}, [build('pending')]), 'demo', 'b1', { deadline: 30_000, ...fakeTime() })).toBeUndefined();
  });
});
