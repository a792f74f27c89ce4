// The world the release tests run in: a real SQLite store with one user and two apps, the real deploy
// pipeline with a builder that "builds" image names into slugs, the release owner on a fake clock, a
// shared add-on with a fake broker, and a record of the platform events. The runtime (which runs the
// release command) is the test's: usually the health tests' FakeRuntime.
import type { MetricsRecorder } from '../../domain/metric-samples.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerRegistry } from '../../addons/broker-registry.js';
import type { AppBuilder } from '../../build/app-builder.js';
import type { SourceStore } from '../../deploy/source-store.js';
import type { Addon } from '../../domain/addon.js';
import type { App, Build, ProcessTypes, User } from '../../domain/types.js';
import { BuildOutputs } from '../../logs/build-output.js';
import { silentLogger } from '../../platform/logger.js';
import type { FakeClock } from '../../platform/testing/fake-clock.js';
import type { Runtime } from '../../runtime/runtime.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { AddonDeps } from '../addon-deps.js';
import { DeployPipeline, type DeployDeps } from '../deploy-pipeline.js';
import { PlatformEvents, type PlatformEvent } from '../platform-events.js';
import type { TeamLookup } from '../team-lookup.js';
import { ReleaseOwner } from '../release-owner.js';

export const SHARED_DB_URL = 'postgres://u:p@127.0.0.1:5432/shared';

export interface ReleaseWorld {
  store: SqliteStore;
  deps: AddonDeps & DeployDeps;
  pipeline: DeployPipeline;
  owner: ReleaseOwner;
  user: User;
  app: App;
  /** A second app of the same user; it owns the shared add-on. */
  other: App;
  /** A PostgreSQL add-on of `other`, attachable to `app`. */
  addon: Addon;
  /** Everything emitted on the event bus, in order. */
  events: PlatformEvent[];
  /** Process types the next deploy of an image gets (default: web and a release command). */
  processTypes: Map<string, ProcessTypes>;
  /** Starts a deploy of `image` (its slug location is the image name); `version` is the source version shown. */
  deploy(image: string, version?: string, appName?: string): Promise<Build>;
  cleanup(): Promise<void>;
}

export const DEFAULT_PROCESS_TYPES: ProcessTypes = { web: 'node server.js', release: 'node migrate.js' };

/** `buildMs`: how long each build takes on the fake clock (default: no time); `teams`: which apps are in teams (none); `metrics`: where builds are reported. */
export async function releaseWorld(o: { clock: FakeClock; runtime: Runtime; releaseTimeoutMs?: number; buildMs?: number; teams?: TeamLookup; metrics?: MetricsRecorder }): Promise<ReleaseWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-releases-'));
  const store = new SqliteStore(join(dir, 'berth.sqlite'), o.clock);
  const bus = new PlatformEvents();
  const events: PlatformEvent[] = [];
  bus.on((e) => void events.push(e));
  const processTypes = new Map<string, ProcessTypes>();
  const builder: AppBuilder = {
    produces: 'image',
    build: async () => { throw new Error('this world builds images only'); },
    fromImage: async ({ image }) => (await o.clock.sleep(o.buildMs ?? 0), { location: image, processTypes: processTypes.get(image) ?? DEFAULT_PROCESS_TYPES, buildpackDescription: 'image', sizeBytes: 1 }),
    buildStack: async () => undefined,
    forgetApp: async () => undefined,
    prune: async () => undefined,
  };
  const broker = {
    defaultAttachmentName: 'DATABASE',
    bind: async () => ({ url: SHARED_DB_URL }),
    unbind: async () => undefined,
  };
  const owner = new ReleaseOwner({ store, clock: o.clock, events: bus, logger: silentLogger, releaseTimeoutMs: o.releaseTimeoutMs ?? 3600_000 });
  const deps = {
    store, clock: o.clock, events: bus, logger: silentLogger, releaseOwner: owner, defaultStack: 'berth-24',
    brokers: { forService: () => broker } as unknown as BrokerRegistry, plans: undefined as never, backupsDir: join(dir, 'backups'),
    runtime: o.runtime, builder, sources: undefined as unknown as SourceStore, outputs: new BuildOutputs(join(dir, 'builds')),
    paths: { builds: join(dir, 'work') }, maxConcurrentBuilds: 4,
    // No health side here: the pipeline reports the rollout as it stands and ends (the owner is what is tested).
    launchTimeoutMs: 0,
    ...(o.teams ? { teams: o.teams } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
  } satisfies AddonDeps & DeployDeps;
  const pipeline = new DeployPipeline(deps);
  const user = await store.users.create({ email: 'ada@example.com', passwordHash: 'h', isAdmin: false });
  const app = await store.apps.create({ name: 'demo', ownerId: user.id, stack: 'berth-24' });
  const other = await store.apps.create({ name: 'other', ownerId: user.id, stack: 'berth-24' });
  const addon = await store.addons.create({ name: 'postgresql-shared', appId: other.id, service: 'postgresql', plan: 'postgresql:dev', state: 'provisioned' });
  await store.addons.attach({ addonId: addon.id, appId: other.id, name: 'DATABASE' });
  return {
    store, deps, pipeline, owner, user, app, other, addon, events, processTypes,
    deploy: (image, version, appName = app.name) => pipeline.createBuild(user, appName, { image, source_blob: { version: version ?? image } }),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
