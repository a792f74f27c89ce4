// After a crash and restart: wait for the platform to settle, then count, against the Ledger of what
// it acknowledged, what a user would notice — lost or duplicated actions, builds and releases stuck
// pending, instances that no slot wants (read from the machine, not only from /dynos) or two for one slot.
import type { Platform } from './platform-harness.js';
import { servesSteadily, servesVersion, type Ledger } from './soak-actions.js';
import { readRuntimeState, type LiveInstance } from './soak-runtime-state.js';

export interface FaultCounts {
  lost: number;
  duplicated: number;
  stuck: number;
  orphaned: number;
  duplicatedInstances: number;
}

export const NO_FAULTS: FaultCounts = { lost: 0, duplicated: 0, stuck: 0, orphaned: 0, duplicatedInstances: 0 };

export interface Findings { counts: FaultCounts; faults: string[] }

interface AppView { builds: any[]; releases: any[]; config: Record<string, string>; formation: any[]; dynos: any[] }

async function viewApp(p: Platform, app: string): Promise<AppView> {
  const [builds, releases, config, formation, dynos] = await Promise.all([
    p.ok('GET', `/apps/${app}/builds`), p.ok('GET', `/apps/${app}/releases`), p.ok('GET', `/apps/${app}/config-vars`),
    p.ok('GET', `/apps/${app}/formation`), p.ok('GET', `/apps/${app}/dynos`),
  ]);
  return { builds, releases, config, formation, dynos };
}

// Every instance must also run the current release: right after a restart the old release's
// instance can be up alone for a moment before the switch to a release made during the crash starts.
const isSettled = (v: AppView) =>
  v.builds.every((b) => b.status !== 'pending') &&
  v.dynos.every((d) => d.release?.id === v.releases.find((r) => r.current)?.id) &&
  v.releases.every((r) => r.status !== 'pending' && !unfinishedRollout(r)) &&
  v.dynos.every((d) => d.state === 'up' && v.formation.some((f) => f.type === d.type && f.quantity > 0)) &&
  v.formation.every((f) => v.dynos.filter((d) => d.type === f.type).length === f.quantity);

/**
 * Waits until nothing is pending and every wanted instance is up (or settleMs passes: a platform that
 * never settles is a finding, not a hang). True when it settled.
 */
export async function settle(p: Platform, app: string, settleMs: number): Promise<boolean> {
  const deadline = Date.now() + settleMs;
  while (Date.now() < deadline) {
    const view = await viewApp(p, app).catch(() => undefined);
    if (view && isSettled(view)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** Counts the faults of one app after settling, given what the platform acknowledged. */
export async function countFaults(p: Platform, app: string, appId: string, ledger: Ledger): Promise<Findings> {
  const counts = { ...NO_FAULTS };
  const faults: string[] = [];
  const note = (kind: keyof FaultCounts, text: string, n = 1) => {
    counts[kind] += n;
    faults.push(`${kind}: ${text}`);
  };
  const v = await viewApp(p, app);
  const web = v.formation.find((f) => f.type === 'web')?.quantity ?? 0;
  const steady = Math.max(2, web * 2);

  // Lost: an acknowledged action whose effect is missing.
  let expectedVersion: string | undefined;
  for (const d of ledger.deploys) {
    if (!d.buildId) continue;
    const build = v.builds.find((b) => b.id === d.buildId);
    if (!build) { note('lost', `build of ${d.version} (201 answered) is gone`); continue; }
    if (build.status !== 'succeeded') continue;
    expectedVersion = d.version;
    if (!build.release || !v.releases.some((r) => r.id === build.release.id)) note('lost', `build of ${d.version} succeeded but its release is missing`);
  }
  if (expectedVersion && !(await retrying(() => servesSteadily(p, app, '/', servesVersion(expectedVersion!), steady)))) {
    const seen = await p.get(app, '/', 3000).then((r) => `${r.status} ${r.text.trim()}`, (e: Error) => e.message);
    note('lost', `deploy ${expectedVersion} is the newest build that succeeded, but the app does not serve it (it answers: ${seen})`);
  }
  for (const { key, value } of ledger.config) {
    const missing: string[] = [];
    if (v.config[key] !== value) missing.push(`config-vars has ${JSON.stringify(v.config[key])}`);
    if (!v.releases.some((r) => mentions(r.description, key))) missing.push('no release records it');
    if (!(await retrying(() => servesSteadily(p, app, `/env/${key}`, (t) => t === value, steady)))) missing.push('the running app does not have it');
    if (missing.length > 0) note('lost', `config ${key}=${value} (200 answered): ${missing.join(', ')}`);
  }
  const webDynos = v.dynos.filter((d) => d.type === 'web');
  // An unanswered scale may have landed or not; either is honest, as long as the instances follow.
  const allowed = [ledger.webQuantity, ...(ledger.webQuantityInFlight === undefined ? [] : [ledger.webQuantityInFlight])];
  if (!allowed.includes(web) || webDynos.length !== web) {
    note('lost', `scale web=${ledger.webQuantity} (200 answered${ledger.webQuantityInFlight === undefined ? '' : `, web=${ledger.webQuantityInFlight} unanswered`}): formation says ${web}, ${webDynos.length} web dyno(s)`);
  }

  // Duplicated: one action recorded twice, or two releases with one version.
  const versions = v.releases.map((r) => r.version);
  const extraVersions = versions.length - new Set(versions).size;
  if (extraVersions > 0) note('duplicated', `${extraVersions} release version(s) used twice: ${versions.join(',')}`, extraVersions);
  for (const d of ledger.deploys) {
    const n = v.releases.filter((r) => r.description === `Deploy ${d.version}`).length;
    if (n > 1) note('duplicated', `deploy ${d.version} recorded as ${n} releases`, n - 1);
    const b = v.builds.filter((x) => x.source_blob?.version === d.version).length;
    if (b > 1) note('duplicated', `deploy ${d.version} recorded as ${b} builds`, b - 1);
  }
  for (const { key } of ledger.config) {
    const n = v.releases.filter((r) => mentions(r.description, key)).length;
    if (n > 1) note('duplicated', `config ${key} recorded as ${n} releases`, n - 1);
  }

  // Stuck: still pending once the restarted server had its chance to settle.
  for (const b of v.builds.filter((x) => x.status === 'pending')) note('stuck', `build ${b.source_blob?.version ?? b.id} pending`);
  for (const r of v.releases.filter((x) => x.status === 'pending')) note('stuck', `release v${r.version} (${r.description}) pending`);
  for (const r of v.releases.filter((x) => x.status !== 'pending' && unfinishedRollout(x))) note('stuck', `release v${r.version} (${r.description}) rollout still ${r.rollout.state}`);

  // Orphaned and duplicated instances, from the runtime's real state.
  const current = v.releases.find((r) => r.current)?.id;
  const wanted = (i: LiveInstance) => i.releaseId === current && i.index <= (v.formation.find((f) => f.type === i.type)?.quantity ?? 0);
  const { orphans, duplicates, strays } = await retryingState(p, appId, wanted);
  for (const o of orphans) note('orphaned', `instance ${o.type}.${o.index} of release ${o.releaseId.slice(0, 8)} (${o.id.slice(0, 8)}) runs but no slot wants it`);
  for (const s of strays) note('orphaned', `stray process ${s.pid} under BERTH_HOME: ${s.cmdline.slice(0, 120)}`);
  for (const [slot, n] of duplicates) note('duplicatedInstances', `${n} instances for ${slot}`, n - 1);
  return { counts, faults };
}

/** Orphans and duplicates after a short grace: an instance being drained or stopped may take a moment. */
async function retryingState(p: Platform, appId: string, wanted: (i: LiveInstance) => boolean) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const state = await readRuntimeState(p.home);
    const existing = new Set(((await p.ok('GET', '/apps')) as { id: string }[]).map((a) => a.id));
    const orphans = state.live.filter((i) => !existing.has(i.appId) || (i.appId === appId && !wanted(i)));
    const perSlot = new Map<string, number>();
    for (const i of state.live.filter((x) => x.appId === appId && wanted(x))) perSlot.set(`${i.type}.${i.index}`, (perSlot.get(`${i.type}.${i.index}`) ?? 0) + 1);
    const duplicates = [...perSlot].filter(([, n]) => n > 1);
    const strays = state.strays;
    if ((orphans.length === 0 && duplicates.length === 0 && strays.length === 0) || Date.now() > deadline) return { orphans, duplicates, strays };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** After apps:destroy: whatever of the app still runs a while later is orphaned. */
export async function countLeftAfterDestroy(p: Platform, appId: string, graceMs: number): Promise<Findings> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const state = await readRuntimeState(p.home);
    const left = state.live.filter((i) => i.appId === appId);
    if ((left.length === 0 && state.strays.length === 0) || Date.now() > deadline) {
      const faults = [
        ...left.map((i) => `orphaned: instance ${i.type}.${i.index} (${i.id.slice(0, 8)}) still runs ${graceMs / 1000} s after apps:destroy`),
        ...state.strays.map((s) => `orphaned: stray process ${s.pid} after apps:destroy: ${s.cmdline.slice(0, 120)}`),
      ];
      return { counts: { ...NO_FAULTS, orphaned: faults.length }, faults };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The stored rollout (issue 11) of a release that is neither live, failed nor superseded once all is up. */
const unfinishedRollout = (r: any) => r.rollout?.state === 'pending' || r.rollout?.state === 'releasing';

const mentions = (description: string, key: string) => new RegExp(`\\b${key}\\b`).test(description) && description.includes('config vars');

/** The router may take a moment to follow the last switch: ask again for a few seconds. */
async function retrying(check: () => Promise<boolean>, timeoutMs = 8000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}
