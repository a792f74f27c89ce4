import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, flush } from '../platform/testing/fake-clock.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { PlatformEvents } from './platform-events.js';
import { waitForRollout } from './rollout-wait.js';

describe('waitForRollout', () => {
  let dir: string;
  let store: SqliteStore;
  let clock: FakeClock;
  let events: PlatformEvents;
  let appId: string;
  let releaseId: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-rollout-'));
    clock = new FakeClock();
    store = new SqliteStore(join(dir, 'berth.sqlite'), clock);
    events = new PlatformEvents();
    const user = await store.users.create({ email: 'a@example.com', passwordHash: 'h', isAdmin: false });
    appId = (await store.apps.create({ name: 'demo', ownerId: user.id, stack: 'berth-24' })).id;
    releaseId = (await store.releases.create({ appId, description: 'Deploy', current: true, slugId: null, config: {}, userId: user.id })).id;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers with the stored verdict as soon as its writer announces it', async () => {
    let answer: string | undefined;
    void waitForRollout({ store, events, clock }, appId, releaseId, { timeoutMs: 60_000 }).then((r) => { answer = r?.rollout.state; });
    await flush();
    expect(answer).toBeUndefined();
    await store.releases.setRollout(releaseId, 'failed', 'web.1 crashed');
    events.emit({ type: 'rollout-changed', appId, releaseId, state: 'failed' });
    await flush();
    expect(answer).toBe('failed');
  });

  it('re-reads the store even when no event comes', async () => {
    let answer: string | undefined;
    void waitForRollout({ store, events, clock }, appId, releaseId, { timeoutMs: 60_000 }).then((r) => { answer = r?.rollout.state; });
    await flush();
    await store.releases.setRollout(releaseId, 'live');
    await clock.advance(2_000);
    expect(answer).toBe('live');
  });

  it('gives up at the deadline with the release as it stands', async () => {
    let answer: string | undefined;
    void waitForRollout({ store, events, clock }, appId, releaseId, { timeoutMs: 5_000 }).then((r) => { answer = r?.rollout.state; });
    await flush();
    await clock.advance(4_000);
    expect(answer).toBeUndefined();
    await clock.advance(1_000);
    expect(answer).toBe('releasing');
  });

  it('stops waiting when its caller goes away', async () => {
    const gone = new AbortController();
    let answer: string | undefined;
    void waitForRollout({ store, events, clock }, appId, releaseId, { timeoutMs: 60_000, signal: gone.signal }).then((r) => { answer = r?.rollout.state; });
    await flush();
    gone.abort();
    await flush();
    expect(answer).toBe('releasing');
  });
});
