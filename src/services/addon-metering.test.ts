// Add-on-seconds are recorded by the add-on use cases themselves (provisioned → deprovisioned), and
// a team's add-on quota refuses a new one before anything is provisioned.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PlanCatalog } from '../addons/plans.js';
import type { App } from '../domain/types.js';
import { silentLogger } from '../platform/logger.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { AddonDeps } from './addon-deps.js';
import { createAddon, destroyAddon } from './addons.js';
import { PlatformEvents } from './platform-events.js';
import { ReleaseOwner } from './release-owner.js';
import { noTeams, type TeamLookup } from './team-lookup.js';
import { usageReport } from './usage.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function world() {
  const dir = await mkdtemp(join(tmpdir(), 'berth-addon-meter-'));
  const clock = new FakeClock(Date.parse('2026-11-02T00:00:00Z'));
  const store = new SqliteStore(join(dir, 'db.sqlite'), clock);
  cleanups.push(async () => { await store.close(); await rm(dir, { recursive: true, force: true }); });
  const provisioned: string[] = [];
  const broker = {
    defaultAttachmentName: 'DATABASE',
    provision: async (id: string) => void provisioned.push(id),
    deprovision: async () => undefined,
    bind: async () => ({ url: 'postgres://u:p@127.0.0.1:5432/db' }),
    unbind: async () => undefined,
  };
  const events = new PlatformEvents();
  const releaseOwner = new ReleaseOwner({ store, clock, events, logger: silentLogger, releaseTimeoutMs: 60_000 });
  const owner = await store.users.create({ email: 'o@example.com', passwordHash: 'h', isAdmin: false });
  const app = await store.apps.create({ name: 'alpha', ownerId: owner.id, stack: 's' });
  let teamApps: App[] = [];
  await store.teams.create('core'); // its quota is kept by the store; its apps, the lookup below says
  const teams: TeamLookup = {
    teamOfApp: async (id) => (teamApps.some((a) => a.id === id) ? 'core' : undefined),
    appsOfTeam: async (t) => (t === 'core' ? teamApps : undefined),
    idOf: async () => undefined,
    roleOf: async () => undefined,
  };
  const deps = {
    store, clock, events, logger: silentLogger, releaseOwner, teams, defaultStack: 's',
    brokers: { forService: () => broker }, plans: new PlanCatalog(), backupsDir: join(dir, 'backups'),
  } as unknown as AddonDeps;
  return { store, clock, deps, owner, app, provisioned, joinTeam: () => { teamApps = [app]; } };
}

describe('add-on metering', () => {
  it('counts an add-on from its provisioning to its deprovisioning, by plan', async () => {
    const w = await world();
    const { addon } = await createAddon(w.deps, w.owner, 'alpha', { plan: 'postgresql:dev' });
    await w.clock.advance(2 * 3600_000);
    await destroyAddon(w.deps, w.owner, 'alpha', addon.name);
    await w.clock.advance(3600_000);
    const report = await usageReport({ ...w.deps, teams: noTeams }, w.owner, { app: 'alpha', month: '2026-11' });
    expect(report.lines.map((l) => `${l.kind} ${l.item} ${l.quantity}`)).toEqual(['addon postgresql:dev 7200']);
  });

  it("refuses an add-on over the team's quota with the limit and the count, provisioning nothing", async () => {
    const w = await world();
    w.joinTeam();
    await w.store.billing.setQuota('core', { maxInstances: null, maxMemoryMb: null, maxAddons: 1 });
    await createAddon(w.deps, w.owner, 'alpha', { plan: 'redis:dev' });
    await expect(createAddon(w.deps, w.owner, 'alpha', { plan: 'postgresql:dev' }))
      .rejects.toMatchObject({ code: 'over_team_quota', message: 'The team core may have at most 1 add-ons; it has 1.' });
    expect(w.provisioned).toHaveLength(1);
    expect(await w.store.addons.list({ appId: w.app.id })).toHaveLength(1);
  });
});
