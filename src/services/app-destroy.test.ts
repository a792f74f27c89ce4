// Destroying an app tells what its builds left, from the store's record, before that record goes
// with the app: an image released as is carries no label of the app's, so nothing else knows it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { silentLogger } from '../platform/logger.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { destroyApp } from './apps.js';
import { PlatformEvents, type PlatformEvent } from './platform-events.js';
import type { ServiceDeps } from './service-deps.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

it('announces the destroyed app with the locations of every build it made', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-destroy-'));
  dirs.push(dir);
  const clock = new FakeClock();
  const store = new SqliteStore(join(dir, 'berth.sqlite'), clock);
  try {
    const owner = await store.users.create({ email: 'o@example.com', passwordHash: 'h', isAdmin: false });
    const app = await store.apps.create({ name: 'gone', ownerId: owner.id, stack: 'berth-24' });
    const other = await store.apps.create({ name: 'stays', ownerId: owner.id, stack: 'berth-24' });
    const slug = (appId: string, location: string) => store.slugs.create({ appId, location, processTypes: {}, buildpackDescription: 'image', commit: null, sizeBytes: 1 });
    await slug(app.id, 'berth-app/gone:b1');
    await slug(app.id, 'berth-app/gone:b2');
    await slug(other.id, 'berth-app/stays:b3');
    const events = new PlatformEvents();
    const seen: PlatformEvent[] = [];
    events.on((e) => void seen.push(e));
    await destroyApp({ store, clock, events, logger: silentLogger, defaultStack: 'berth-24' } as unknown as ServiceDeps, owner, 'gone');
    const destroyed = seen.find((e) => e.type === 'app-destroyed');
    expect(destroyed).toMatchObject({ type: 'app-destroyed', appId: app.id, appName: 'gone' });
    expect(destroyed?.type === 'app-destroyed' && [...destroyed.built].sort()).toEqual(['berth-app/gone:b1', 'berth-app/gone:b2']);
    expect(await store.slugs.list(app.id)).toEqual([]);
  } finally {
    await store.close();
  }
});
