// The world the health tests run in: a real SQLite store holding one app, a fake runtime and clock,
// a probe the test controls, and recorders for published routes and app log lines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, Release } from '../../domain/types.js';
import type { LogSink } from '../../logs/log-sink.js';
import { silentLogger } from '../../platform/logger.js';
import { PlatformEvents, type PlatformEvent } from '../../services/platform-events.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { Reconciler, type ReconcilerDeps } from '../reconciler.js';
import { RolloutRecorder } from '../rollout-recorder.js';
import type { PublishedRoute, RoutePublisher } from '../route-publisher.js';
import { FakeClock } from '../../platform/testing/fake-clock.js';
import { FakeRuntime } from './fake-runtime.js';

export class RecordingRoutes implements RoutePublisher {
  readonly current = new Map<string, PublishedRoute>();
  readonly removed: string[] = [];
  set(route: PublishedRoute): void {
    this.current.set(route.appName, route);
  }
  remove(appName: string): void {
    this.current.delete(appName);
    this.removed.push(appName);
  }
}

export const PROCESS_TYPES = { web: 'node server.js', worker: 'node worker.js', release: 'x' };

export interface HealthWorld {
  store: SqliteStore;
  /** The store's file: a second SqliteStore over it is the store of a restarted server. */
  dbFile: string;
  clock: FakeClock;
  runtime: FakeRuntime;
  routes: RecordingRoutes;
  reconciler: Reconciler;
  events: PlatformEvents;
  rollouts: RolloutRecorder;
  /** Every platform event emitted, in order. */
  emitted: PlatformEvent[];
  app: App;
  /** Addresses (`host:port`) the probe reports as accepting connections. */
  listening: Set<string>;
  /** App log lines as `dyno: message`. */
  appLog: string[];
  /** Runs one reconcile of the app. */
  reconcile(): Promise<void>;
  /** Makes the named web instance accept connections. */
  listen(dyno: string): void;
  /** The dynos the app's route points at, e.g. `['web.1@v1']`. */
  backends(): string[];
  scale(type: string, quantity: number): Promise<void>;
  /** Creates a new release (v2, v3 …) of the same slug and makes it current (its rollout `releasing`). */
  deploy(): Promise<Release>;
  /** The rollout of a release as `state: reason` (`live`, `failed: web.1 crashed …`); default the current one. */
  rollout(releaseId?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function healthWorld(formation: Record<string, number>, options: Partial<ReconcilerDeps> = {}): Promise<HealthWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-health-'));
  const clock = new FakeClock();
  const store = new SqliteStore(join(dir, 'berth.sqlite'), clock);
  const runtime = new FakeRuntime(clock);
  const routes = new RecordingRoutes();
  const listening = new Set<string>();
  const appLog: string[] = [];
  const sink: LogSink = { write: (_appId, _source, dyno, message) => void appLog.push(`${dyno}: ${message}`) };
  const user = await store.users.create({ email: 'ada@example.com', passwordHash: 'h', isAdmin: false });
  const app = await store.apps.create({ name: 'demo', ownerId: user.id, stack: 'berth-24' });
  const slug = await store.slugs.create({
    appId: app.id, location: '/slugs/demo', processTypes: PROCESS_TYPES, buildpackDescription: 'Node.js', commit: null, sizeBytes: 1,
  });
  const deploy = () => store.releases.create({ appId: app.id, description: 'Deploy', current: true, slugId: slug.id, config: { A: '1' }, userId: user.id });
  await deploy();
  for (const [type, quantity] of Object.entries(formation)) await store.formation.upsert(app.id, type, { quantity });
  const events = new PlatformEvents();
  const emitted: PlatformEvent[] = [];
  events.on((e) => void emitted.push(e));
  const rollouts = new RolloutRecorder({ store, events, appLog: sink, logger: silentLogger });
  const reconciler = new Reconciler({
    store, runtime, routes, clock, appLog: sink, logger: silentLogger, rollouts, events,
    probe: async ({ host, port }) => listening.has(`${host}:${port}`),
    ...options,
  });
  return {
    store, dbFile: join(dir, 'berth.sqlite'), clock, runtime, routes, reconciler, events, rollouts, emitted, app, listening, appLog, deploy,
    rollout: async (releaseId) => {
      const release = releaseId ? await store.releases.byId(app.id, releaseId) : await store.releases.current(app.id);
      if (!release) return 'none';
      return release.rollout.reason ? `${release.rollout.state}: ${release.rollout.reason}` : release.rollout.state;
    },
    reconcile: async () => void (await reconciler.reconcile(app.id)),
    listen: (dyno) => {
      const { address } = runtime.find(dyno);
      listening.add(`${address!.host}:${address!.port}`);
    },
    backends: () => {
      const route = routes.current.get(app.name);
      if (!route) return [];
      return route.backends.map((b) => runtime.label(b.instanceId));
    },
    scale: async (type, quantity) => void (await store.formation.upsert(app.id, type, { quantity })),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
