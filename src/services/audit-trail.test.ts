// The audit trail as the services write it and GET /audit-events reads it: each change once, with who,
// what, from which address and token; config changes by key, never by value; who may read what.
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor, AuditEvent } from '../domain/types.js';
import { FakeRuntime } from '../health/testing/fake-runtime.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { issueToken, revokeToken } from './accounts.js';
import { attachAddon, detachAddon } from './addon-attachments.js';
import { createApp, destroyApp, updateApp } from './apps.js';
import { listAuditEvents, type AuditQuery } from './audit-trail.js';
import { updateConfigVars } from './config-vars.js';
import { updateFormation } from './formation.js';
import { rollback } from './releases.js';
import { releaseWorld, type ReleaseWorld } from './testing/release-world.js';

const worlds: ReleaseWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.cleanup();
});

async function setup() {
  const clock = new FakeClock(Date.parse('2026-11-30T09:00:00.000Z'));
  const w = await releaseWorld({ clock, runtime: new FakeRuntime(clock) });
  worlds.push(w);
  // No release command: every release goes live at once, so each action is one step.
  for (const image of ['img-1', 'img-2']) w.processTypes.set(image, { web: 'node server.js' });
  const ada: Actor = { ...w.user, origin: { address: '203.0.113.7', tokenId: 'token-of-ada' } };
  const deploy = async (image: string, version: string) => {
    const build = await w.pipeline.createBuild(ada, 'demo', { image, source_blob: { version } });
    await w.pipeline.settled(build.id);
  };
  const all = () => w.store.events.list({ order: 'asc' });
  return { w, clock, ada, deploy, all };
}

const brief = (e: AuditEvent) => [e.action, e.actorEmail, e.appName, e.address, e.tokenId];

describe('recording', () => {
  it('records each kind of change once, with who, which app, when, from which address and with which token', async () => {
    const { w, clock, ada, deploy, all } = await setup();
    const before = (await all()).length;
    await deploy('img-1', 'abc123');
    await updateFormation(w.deps, ada, 'demo', [{ type: 'web', quantity: 2 }]);
    await updateConfigVars(w.deps, ada, 'demo', { GREETING: 'hello' });
    await deploy('img-2', 'def456');
    await rollback(w.deps, ada, 'demo', 2);
    const { attachment } = await attachAddon(w.deps, ada, { addon: 'postgresql-shared', app: 'demo' });
    await detachAddon(w.deps, ada, attachment.id);
    await clock.advance(60_000);
    await updateApp(w.deps, ada, 'demo', { maintenance: true });
    await createApp(w.deps, ada, { name: 'scratch' });
    await destroyApp(w.deps, ada, 'scratch');
    const { token } = await issueToken(w.deps, ada, 'ci');
    await revokeToken(w.deps, ada, token.id);

    const events = (await all()).slice(before);
    const via = ['ada@example.com', '203.0.113.7', 'token-of-ada'] as const;
    expect(events.map(brief)).toEqual([
      ['build-created', via[0], 'demo', via[1], via[2]],
      ['release-created', via[0], 'demo', via[1], via[2]],
      ['formation-changed', via[0], 'demo', via[1], via[2]],
      ['config-changed', via[0], 'demo', via[1], via[2]],
      ['release-created', via[0], 'demo', via[1], via[2]],
      ['build-created', via[0], 'demo', via[1], via[2]],
      ['release-created', via[0], 'demo', via[1], via[2]],
      ['release-created', via[0], 'demo', via[1], via[2]],
      ['addon-attached', via[0], 'demo', via[1], via[2]],
      ['release-created', via[0], 'demo', via[1], via[2]],
      ['addon-detached', via[0], 'demo', via[1], via[2]],
      ['release-created', via[0], 'demo', via[1], via[2]],
      ['maintenance-on', via[0], 'demo', via[1], via[2]],
      ['app-created', via[0], 'scratch', via[1], via[2]],
      ['app-destroyed', via[0], 'scratch', via[1], via[2]],
      ['token-created', via[0], null, via[1], via[2]],
      ['token-revoked', via[0], null, via[1], via[2]],
    ]);
    expect(events.every((e) => e.actorId === w.user.id && e.teamId === null)).toBe(true);
    expect(events[0]!.data).toMatchObject({ version: 'abc123', image: 'img-1' });
    expect(events[2]!.data).toEqual({ updates: [{ type: 'web', quantity: 2 }], before: { web: 1 } });
    expect(events[8]!.data).toEqual({ addon: 'postgresql-shared', name: 'DATABASE', added: ['DATABASE_URL'] });
    expect(events[10]!.data).toEqual({ addon: 'postgresql-shared', name: 'DATABASE', removed: ['DATABASE_URL'] });
    expect(events[0]!.createdAt).toBe('2026-11-30T09:00:00.000Z');
    expect(events[12]!.createdAt).toBe('2026-11-30T09:01:00.000Z');
  });

  it('records a config change as the keys added, changed and removed, never a value', async () => {
    const { w, ada, all } = await setup();
    await updateConfigVars(w.deps, ada, 'demo', { API_KEY: 'sk-first-secret', MODE: 'a' });
    await updateConfigVars(w.deps, ada, 'demo', { API_KEY: 'sk-second-secret', MODE: 'a', NEW: 'x', });
    await updateConfigVars(w.deps, ada, 'demo', { MODE: null, NEW: 'x' });
    const changes = (await all()).filter((e) => e.action === 'config-changed');
    expect(changes.map((e) => e.data)).toEqual([
      { added: ['API_KEY', 'MODE'], changed: [], removed: [] },
      { added: ['NEW'], changed: ['API_KEY'], removed: [] },
      { added: [], changed: [], removed: ['MODE'] },
    ]);
    expect(JSON.stringify(await all())).not.toMatch(/sk-first-secret|sk-second-secret/);
  });

  it('keeps a destroyed app\'s events, found by the name it had', async () => {
    const { w, ada } = await setup();
    await updateConfigVars(w.deps, ada, 'other', { A: '1' });
    await destroyApp(w.deps, ada, 'other');
    const events = await listAuditEvents(w.deps, ada, { app: 'other' }, { order: 'desc', limit: 10 });
    expect(events.map((e) => e.action)).toEqual(['app-destroyed', 'release-created', 'config-changed']);
  });
});

describe('reading', () => {
  async function twoUsers() {
    const s = await setup();
    const { w, ada } = s;
    const bea = await w.store.users.create({ email: 'bea@example.com', passwordHash: 'h', isAdmin: false });
    const root = await w.store.users.create({ email: 'root@example.com', passwordHash: 'h', isAdmin: true });
    await updateConfigVars(w.deps, ada, 'demo', { A: '1' });
    await s.clock.advance(3600_000);
    await createApp(w.deps, bea, { name: 'beas-app' });
    await updateConfigVars(w.deps, bea, 'beas-app', { B: '1' });
    // The admin changes Ada's app: Ada sees it, Bea does not.
    await updateApp(w.deps, root, 'demo', { maintenance: true });
    const read = (who: Actor, q: AuditQuery = {}) => listAuditEvents(w.deps, who, q, { order: 'desc', limit: 100 })
      .then((list) => list.map((e) => `${e.action} ${e.appName ?? '-'} by ${e.actorEmail ?? '-'}`));
    return { ...s, bea, root, read };
  }

  it('shows admins every event, and others the events of their apps and their own, newest first', async () => {
    const { ada, bea, root, read } = await twoUsers();
    const everything = await read(root);
    expect(everything.slice(0, 5)).toEqual([
      'maintenance-on demo by root@example.com',
      'release-created beas-app by bea@example.com',
      'config-changed beas-app by bea@example.com',
      'app-created beas-app by bea@example.com',
      'release-created demo by ada@example.com',
    ]);
    expect(await read(ada)).toEqual(['maintenance-on demo by root@example.com', 'release-created demo by ada@example.com', 'config-changed demo by ada@example.com']);
    expect(await read(bea)).toEqual(['release-created beas-app by bea@example.com', 'config-changed beas-app by bea@example.com', 'app-created beas-app by bea@example.com']);
  });

  it('filters by actor, app, action and time; another user\'s app shows nothing rather than an error', async () => {
    const { ada, root, read } = await twoUsers();
    expect(await read(root, { actor: 'BEA@example.com', action: 'config-changed' })).toEqual(['config-changed beas-app by bea@example.com']);
    expect(await read(root, { app: 'demo', until: '2026-11-30T09:30:00Z' })).toEqual(['release-created demo by ada@example.com', 'config-changed demo by ada@example.com']);
    expect(await read(root, { app: 'demo', since: '2026-11-30T09:30:00Z' })).toEqual(['maintenance-on demo by root@example.com']);
    expect(await read(ada, { app: 'beas-app' })).toEqual([]);
  });

  it('refuses a time that is not ISO 8601', async () => {
    const { w, ada } = await setup();
    await expect(listAuditEvents(w.deps, ada, { since: 'yesterday' }, { order: 'desc', limit: 10 }))
      .rejects.toMatchObject({ code: 'invalid_params', message: expect.stringContaining('since must be an ISO 8601 time') });
  });
});
