// The contract every Store implementation passes. Call storeContract() from an implementation's test file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BerthError } from '../domain/errors.js';
import type { Store } from './store.js';
import { addonStoreCases } from './addon-store.contract.js';
import { appEdgeStoreCases } from './app-edge-store.contract.js';
import { auditRow, auditStoreCases } from './audit-store.contract.js';
import { usageStoreCases } from './usage-store.contract.js';
import { metricsStoreCases } from './metrics-store.contract.js';
import { teamStoreCases } from './team-store.contract.js';
import { logDrainStoreCases } from './log-drain-store.contract.js';
import { webhookStoreCases } from './webhook-store.contract.js';
import { acmeStoreCases } from './acme-store.contract.js';

export function storeContract(name: string, open: () => Promise<{ store: Store; reopen?: () => Promise<Store>; cleanup: () => Promise<void> }>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let reopen: (() => Promise<Store>) | undefined;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, reopen, cleanup } = await open());
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    const makeUser = (email = 'ada@example.com') => store.users.create({ email, passwordHash: 'h', isAdmin: false });
    const makeApp = async (name = 'demo') => store.apps.create({ name, ownerId: (await makeUser(`${name}@example.com`)).id, stack: 'berth-24' });
    logDrainStoreCases({ store: () => store, makeApp });

    it('creates and finds users by id and email, and counts them', async () => {
      const u = await makeUser();
      expect(await store.users.byId(u.id)).toEqual(u);
      expect((await store.users.byEmail('ada@example.com'))?.id).toBe(u.id);
      expect(await store.users.count()).toBe(1);
      await expect(makeUser()).rejects.toThrow();
    });

    it('finds tokens only by hash, and a deleted token is gone', async () => {
      const u = await makeUser();
      const t = await store.tokens.create({ userId: u.id, tokenHash: 'abc', description: 'cli' });
      expect((await store.tokens.byHash('abc'))?.id).toBe(t.id);
      expect(await store.tokens.listForUser(u.id)).toHaveLength(1);
      expect(await store.tokens.delete(t.id)).toBe(true);
      expect(await store.tokens.byHash('abc')).toBeUndefined();
      expect(await store.tokens.delete(t.id)).toBe(false);
    });

    it('refuses a taken app name with name_taken, on create and on rename', async () => {
      const a = await makeApp('one');
      await makeApp('two');
      await expect(store.apps.create({ name: 'one', ownerId: a.ownerId, stack: 'x' })).rejects.toMatchObject({ code: 'name_taken' });
      await expect(store.apps.update(a.id, { name: 'two' })).rejects.toBeInstanceOf(BerthError);
      expect((await store.apps.byId(a.id))?.name).toBe('one');
    });

    it('lists apps by owner, ordered by name', async () => {
      const u = await makeUser('o@example.com');
      await store.apps.create({ name: 'zeta', ownerId: u.id, stack: 's' });
      await store.apps.create({ name: 'alpha', ownerId: u.id, stack: 's' });
      await makeApp('other');
      expect((await store.apps.list({ ownerId: u.id })).map((a) => a.name)).toEqual(['alpha', 'zeta']);
      expect(await store.apps.list()).toHaveLength(3);
    });

    it('stores config values exactly as given', async () => {
      const a = await makeApp();
      const vars = { CMD: '$(id)', QUOTES: `it's "quoted"`, EMPTY: '', NL: 'a\nb', UNICODE: 'Ünïcødé ✓' };
      await store.config.replace(a.id, vars);
      expect(await store.config.get(a.id)).toEqual(vars);
    });

    it('numbers releases 1, 2, 3 per app and points at the current one explicitly', async () => {
      const a = await makeApp();
      const b = await makeApp('beta');
      const r1 = await store.releases.create({ appId: a.id, description: 'one', current: true, slugId: null, config: { A: '1' }, userId: a.ownerId });
      const r2 = await store.releases.create({ appId: a.id, description: 'two', slugId: null, config: {}, userId: a.ownerId });
      const b1 = await store.releases.create({ appId: b.id, description: 'b', current: true, slugId: null, config: {}, userId: b.ownerId });
      expect([r1.version, r2.version, b1.version]).toEqual([1, 2, 1]);
      expect((await store.releases.current(a.id))?.id).toBe(r1.id);
      expect(r2).toMatchObject({ status: 'pending', rollout: { state: 'pending' } });
      await store.releases.makeCurrent(a.id, r2.id);
      expect((await store.releases.current(a.id))?.version).toBe(2);
      expect((await store.releases.byVersion(a.id, 1))?.config).toEqual({ A: '1' });
      expect(await store.releases.byId(b.id, r1.id)).toBeUndefined();
      expect((await store.releases.list(a.id)).map((r) => r.version)).toEqual([1, 2]);
    });

    it('never takes the highest version for the current release: a newer pending one waits its turn', async () => {
      const a = await makeApp();
      const r1 = await store.releases.create({ appId: a.id, description: 'deploy', current: true, slugId: null, config: {}, userId: a.ownerId });
      const pending = await store.releases.create({ appId: a.id, description: 'deploy 2', slugId: null, config: {}, userId: a.ownerId });
      expect((await store.releases.current(a.id))?.id).toBe(r1.id);
      const failed = await store.releases.setRollout(pending.id, 'failed', 'the release command failed');
      expect(failed).toMatchObject({ status: 'failed', currentAt: null, rollout: { state: 'failed', reason: 'the release command failed' } });
      await expect(store.releases.makeCurrent(a.id, pending.id)).rejects.toThrow(/not pending/);
      expect((await store.releases.current(a.id))?.id).toBe(r1.id);
    });

    it('moves rollouts forward only, and supersedes a current release that had not gone live', async () => {
      const a = await makeApp();
      const r1 = await store.releases.create({ appId: a.id, description: 'one', current: true, slugId: null, config: {}, userId: a.ownerId });
      expect(r1).toMatchObject({ status: 'succeeded', rollout: { state: 'releasing', reason: null } });
      expect(r1.currentAt).not.toBeNull();
      const r2 = await store.releases.create({ appId: a.id, description: 'two', current: true, slugId: null, config: {}, userId: a.ownerId });
      expect(await store.releases.byId(a.id, r1.id)).toMatchObject({ status: 'succeeded', rollout: { state: 'superseded', reason: 'superseded by v2 before it went live' } });
      expect(await store.releases.setRollout(r1.id, 'live')).toBeUndefined();
      expect(await store.releases.setRollout(r2.id, 'live')).toMatchObject({ status: 'succeeded', rollout: { state: 'live' } });
      // A verdict stands: a late failure report does not undo it, and a live release is not superseded.
      expect(await store.releases.setRollout(r2.id, 'failed', 'crashed')).toBeUndefined();
      await store.releases.create({ appId: a.id, description: 'three', current: true, slugId: null, config: {}, userId: a.ownerId });
      expect((await store.releases.byId(a.id, r2.id))?.rollout.state).toBe('live');
      expect((await store.releases.withRollout(['releasing'])).map((r) => r.description)).toEqual(['three']);
    });

    it('keeps each release\'s config exactly, whatever later releases and the current config become', async () => {
      const a = await makeApp();
      const first = { CMD: '$(id)', NL: 'a\nb', UNICODE: 'Ünïcødé ✓', EMPTY: '', constructor: 'c' };
      const r1 = await store.releases.create({ appId: a.id, description: 'one', current: true, slugId: null, config: first, userId: a.ownerId });
      const r2 = await store.releases.create({ appId: a.id, description: 'two', current: true, slugId: null, config: { ...first, CMD: 'other' }, userId: a.ownerId });
      // Same vars in another order: the same config.
      const r3 = await store.releases.create({ appId: a.id, description: 'three', current: true, slugId: null, config: { EMPTY: '', constructor: 'c', UNICODE: 'Ünïcødé ✓', NL: 'a\nb', CMD: '$(id)' }, userId: a.ownerId });
      await store.config.replace(a.id, { NEW: '1' });
      expect((await store.releases.byId(a.id, r1.id))?.config).toEqual(first);
      expect((await store.releases.byVersion(a.id, 2))?.config).toEqual({ ...first, CMD: 'other' });
      expect((await store.releases.current(a.id))?.id).toBe(r3.id);
      expect((await store.releases.list(a.id)).map((r) => r.config)).toEqual([first, { ...first, CMD: 'other' }, first]);
      expect(r2.config.CMD).toBe('other');
    });

    it('keeps another app\'s release config when an app with the same config is deleted', async () => {
      const a = await makeApp();
      const b = await makeApp('beta');
      const config = { SHARED: 'same value' };
      await store.releases.create({ appId: a.id, description: 'a', current: true, slugId: null, config, userId: a.ownerId });
      await store.releases.create({ appId: b.id, description: 'b', current: true, slugId: null, config, userId: b.ownerId });
      await store.apps.delete(a.id);
      expect((await store.releases.current(b.id))?.config).toEqual(config);
    });

    it('deleting a user removes their apps with their releases and stored configs', async () => {
      const a = await makeApp();
      const slug = await store.slugs.create({ appId: a.id, location: '/x', processTypes: {}, buildpackDescription: '', commit: null, sizeBytes: 0 });
      await store.releases.create({ appId: a.id, description: 'one', current: true, slugId: slug.id, config: { A: '1' }, userId: a.ownerId });
      await store.users.delete(a.ownerId);
      expect(await store.apps.byId(a.id)).toBeUndefined();
      expect(await store.releases.list(a.id)).toEqual([]);
    });

    it('gives concurrent release creations distinct increasing versions', async () => {
      const a = await makeApp();
      const made = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        store.releases.create({ appId: a.id, description: `r${i}`, current: true, slugId: null, config: {}, userId: a.ownerId })));
      expect(new Set(made.map((r) => r.version)).size).toBe(20);
    });

    it('upserts formation entries', async () => {
      const a = await makeApp();
      const f = await store.formation.upsert(a.id, 'web', { quantity: 1 });
      expect(f).toMatchObject({ type: 'web', quantity: 1, size: 'standard-1x' });
      await store.formation.upsert(a.id, 'web', { size: 'standard-2x' });
      expect(await store.formation.get(a.id, 'web')).toMatchObject({ quantity: 1, size: 'standard-2x', id: f.id });
      await store.formation.upsert(a.id, 'worker', { quantity: 2 });
      expect((await store.formation.list(a.id)).map((x) => x.type)).toEqual(['web', 'worker']);
    });

    it('records slugs and builds for an app', async () => {
      const a = await makeApp();
      const slug = await store.slugs.create({ appId: a.id, location: '/x', processTypes: { web: 'npm start' }, buildpackDescription: 'Node.js', commit: 'abc', sizeBytes: 10 });
      const b = await store.builds.create({ appId: a.id, userId: a.ownerId, sourceUrl: 'u', sourceVersion: 'abc', buildpacks: [] });
      expect(b.status).toBe('pending');
      const done = await store.builds.update(b.id, { status: 'succeeded', slugId: slug.id });
      expect(done).toMatchObject({ status: 'succeeded', slugId: slug.id, sourceVersion: 'abc' });
      expect((await store.slugs.byId(slug.id))?.processTypes).toEqual({ web: 'npm start' });
      const other = await store.builds.create({ appId: a.id, userId: a.ownerId, sourceUrl: 'u', sourceVersion: 'def', buildpacks: [] });
      expect((await store.builds.withStatus('pending')).map((x) => x.id)).toEqual([other.id]);
    });

    it('keeps a slug\'s app.json healthchecks with it, none when it was made without', async () => {
      const a = await makeApp();
      const healthchecks = { web: [{ type: 'startup' as const, name: 'ready', kind: 'path' as const, path: '/health', content: 'ok', attempts: 3, timeout: 5, wait: 5, initialDelay: 0 }] };
      const checked = await store.slugs.create({ appId: a.id, location: '/x', processTypes: { web: 'npm start' }, healthchecks, buildpackDescription: '', commit: null, sizeBytes: 0 });
      const plain = await store.slugs.create({ appId: a.id, location: '/y', processTypes: { web: 'npm start' }, buildpackDescription: '', commit: null, sizeBytes: 0 });
      expect((await store.slugs.byId(checked.id))?.healthchecks).toEqual(healthchecks);
      expect((await store.slugs.byId(plain.id))?.healthchecks).toEqual({});
    });

    it('keeps a slug\'s scheduled jobs, none when it was made without', async () => {
      const a = await makeApp();
      const job = { id: 'abcdefghij', command: 'node tick.js', schedule: '* * * * *', concurrency: 'forbid' as const };
      const withJobs = await store.slugs.create({ appId: a.id, location: '/x', processTypes: {}, buildpackDescription: '', commit: null, sizeBytes: 0, cronJobs: [job] });
      const without = await store.slugs.create({ appId: a.id, location: '/y', processTypes: {}, buildpackDescription: '', commit: null, sizeBytes: 0 });
      expect((await store.slugs.byId(withJobs.id))?.cronJobs).toEqual([job]);
      expect((await store.slugs.byId(without.id))?.cronJobs).toEqual([]);
      // Only the current release's slug counts for the scheduler.
      expect(await store.cron.scheduledApps()).toEqual([]);
      const v1 = await store.releases.create({ appId: a.id, description: 'one', current: true, slugId: withJobs.id, config: {}, userId: a.ownerId });
      expect(await store.cron.scheduledApps()).toEqual([{ appId: a.id, currentAt: v1.currentAt, jobs: [job] }]);
      await store.releases.create({ appId: a.id, description: 'two', current: true, slugId: without.id, config: {}, userId: a.ownerId });
      expect(await store.cron.scheduledApps()).toEqual([]);
    });

    it('remembers each scheduled job\'s handled time, last run and suspension; a finish completes only its own run', async () => {
      const a = await makeApp();
      await store.cron.markHandled(a.id, 'job1', '2024-01-01T00:01:00.000Z');
      // Never backwards: a late writer cannot make a handled due time due again.
      await store.cron.markHandled(a.id, 'job1', '2024-01-01T00:00:00.000Z');
      await store.cron.recordStart(a.id, 'job1', { dyno: 'scheduler.1', startedAt: '2024-01-01T00:01:00.000Z', trigger: 'schedule', error: null });
      await store.cron.recordStart(a.id, 'job1', { dyno: 'scheduler.2', startedAt: '2024-01-01T00:02:00.000Z', trigger: 'manual', error: null });
      await store.cron.recordFinish(a.id, 'job1', 'scheduler.1', { finishedAt: '2024-01-01T00:02:30.000Z', exitCode: 1 });
      await store.cron.setSuspended(a.id, 'job2', true, '2024-01-01T00:03:00.000Z');
      const states = new Map((await store.cron.list(a.id)).map((x) => [x.jobId, x]));
      expect(states.get('job1')).toMatchObject({ suspended: false, handledThrough: '2024-01-01T00:01:00.000Z',
        lastRun: { dyno: 'scheduler.2', trigger: 'manual', finishedAt: null, exitCode: null } });
      await store.cron.recordFinish(a.id, 'job1', 'scheduler.2', { finishedAt: '2024-01-01T00:04:00.000Z', exitCode: 0 });
      expect((await store.cron.list(a.id)).find((x) => x.jobId === 'job1')?.lastRun).toMatchObject({ exitCode: 0, finishedAt: '2024-01-01T00:04:00.000Z' });
      expect(states.get('job2')).toMatchObject({ suspended: true, lastRun: null });
      await store.apps.delete(a.id);
      expect(await store.cron.list(a.id)).toEqual([]);
    });

    it('deleting an app removes its releases, config, formation and builds but keeps the audit trail', async () => {
      const a = await makeApp();
      const slug = await store.slugs.create({ appId: a.id, location: '/x', processTypes: {}, buildpackDescription: '', commit: null, sizeBytes: 0 });
      await store.releases.create({ appId: a.id, description: 'one', current: true, slugId: slug.id, config: {}, userId: a.ownerId });
      await store.formation.upsert(a.id, 'web', { quantity: 1 });
      await store.events.append(auditRow({ actorId: a.ownerId, appId: a.id, action: 'app-created', data: { name: a.name } }));
      await store.apps.delete(a.id);
      expect(await store.apps.byId(a.id)).toBeUndefined();
      expect(await store.releases.list(a.id)).toEqual([]);
      expect(await store.formation.list(a.id)).toEqual([]);
      expect(await store.events.list({ appId: a.id })).toHaveLength(1);
    });

    it('rolls a failed transaction back completely', async () => {
      const a = await makeApp();
      await store.config.replace(a.id, { KEEP: '1' });
      await expect(store.transaction(async (tx) => {
        await tx.config.replace(a.id, { LOST: '1' });
        await tx.releases.create({ appId: a.id, description: 'x', current: true, slugId: null, config: { LOST: '1' }, userId: a.ownerId });
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect(await store.config.get(a.id)).toEqual({ KEEP: '1' });
      expect(await store.releases.list(a.id)).toEqual([]);
    });

    it('lets calls made outside a transaction wait until it commits', async () => {
      const a = await makeApp();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const tx = store.transaction(async (t) => {
        await t.config.replace(a.id, { STEP: 'inside' });
        await gate;
        await t.config.replace(a.id, { STEP: 'committed' });
      });
      const outside = store.config.get(a.id);
      release();
      await tx;
      expect(await outside).toEqual({ STEP: 'committed' });
    });

    it('keeps the audit trail in order with its filters', async () => {
      const a = await makeApp();
      for (const action of ['app-created', 'config-changed', 'release-created']) {
        await store.events.append(auditRow({ actorId: a.ownerId, appId: a.id, action }));
      }
      await store.events.append(auditRow({ action: 'server-started' }));
      expect((await store.events.list({ appId: a.id })).map((e) => e.action)).toEqual(['app-created', 'config-changed', 'release-created']);
      expect((await store.events.list({ limit: 2 })).map((e) => e.action)).toEqual(['release-created', 'server-started']);
    });

    addonStoreCases(() => store);
    auditStoreCases(() => store);
    usageStoreCases(() => store);
    metricsStoreCases(() => store);
    teamStoreCases(() => store);
    webhookStoreCases(() => store);
    acmeStoreCases(() => store);
    appEdgeStoreCases(() => store);

    it('keeps what was committed across a reopen', async () => {
      if (!reopen) return; // in-memory implementations cannot reopen
      const a = await makeApp();
      await store.config.replace(a.id, { DURABLE: 'yes' });
      await store.close();
      store = await reopen();
      expect(await store.config.get(a.id)).toEqual({ DURABLE: 'yes' });
    });
  });
}
