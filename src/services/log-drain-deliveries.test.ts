// LogDrainDeliveries: one delivery per stored drain, resumed at start, started and stopped as drains
// are added and removed, renamed with their app, and gone with a destroyed app.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogHub } from '../logs/log-hub.js';
import type { DrainTransport } from '../logs/drains/drain-transport.js';
import { systemClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { LogDrainDeliveries } from './log-drain-deliveries.js';
import { PlatformEvents } from './platform-events.js';

let dir: string;
let store: SqliteStore;
let hub: LogHub;
let events: PlatformEvents;
let stop: AbortController;
/** What each drain (by URL) was sent. */
let sent: Map<string, string[]>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-drain-deliveries-'));
  store = new SqliteStore(join(dir, 'db.sqlite'));
  hub = new LogHub({ dir: join(dir, 'logs') });
  events = new PlatformEvents();
  stop = new AbortController();
  sent = new Map();
});
afterEach(async () => {
  stop.abort();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function deliveries(): LogDrainDeliveries {
  return new LogDrainDeliveries({
    store, events, stream: hub, appLog: hub, clock: systemClock, logger: silentLogger,
    transports: (target): DrainTransport => ({
      send: async (messages) => { sent.set(target.url, [...(sent.get(target.url) ?? []), ...messages]); },
      close: () => undefined,
    }),
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('LogDrainDeliveries', () => {
  it('resumes stored drains at start, follows adds, removes and renames, and stops with a destroyed app', async () => {
    const owner = await store.users.create({ email: 'ada@example.com', passwordHash: 'h', isAdmin: false });
    const app = await store.apps.create({ name: 'shop', ownerId: owner.id, stack: 'berth-24' });
    await store.logDrains.create({ appId: app.id, url: 'syslog://a.example:1', token: 'd.a' });
    const d = deliveries();
    await d.start(stop.signal);
    hub.write(app.id, 'app', 'web.1', 'one');
    await until(() => sent.get('syslog://a.example:1')?.length === 1);
    expect(sent.get('syslog://a.example:1')![0]).toMatch(/ d\.a shop web\.1 app - one$/);

    const b = await store.logDrains.create({ appId: app.id, url: 'syslog://b.example:1', token: 'd.b' });
    await store.apps.update(app.id, { name: 'store' });
    events.emit({ type: 'log-drains-changed', appId: app.id });
    await d.wake(app.id);
    hub.write(app.id, 'app', 'web.1', 'two');
    await until(() => sent.get('syslog://b.example:1')?.length === 1);
    expect(sent.get('syslog://a.example:1')![1]).toMatch(/ d\.a store web\.1 app - two$/);

    await store.logDrains.delete(app.id, b.id);
    await d.wake(app.id);
    hub.write(app.id, 'app', 'web.1', 'three');
    await until(() => sent.get('syslog://a.example:1')?.length === 3);
    expect(sent.get('syslog://b.example:1')).toHaveLength(1);
    // What the Prometheus scrape reads: the running drains only, with what each delivery counted.
    expect(d.counts()).toEqual([{ appId: app.id, token: 'd.a', sent: 3, dropped: 0, buffered: 0 }]);

    await store.apps.delete(app.id);
    events.emit({ type: 'app-destroyed', appId: app.id, appName: 'store', built: [] });
    await d.wake(app.id);
    expect(d.deliveries(app.id)).toEqual([]);
    expect(d.counts()).toEqual([]);
  });
});
