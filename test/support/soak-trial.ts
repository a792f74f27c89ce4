// The fault-injection soak of issue 11, one trial at a time: on a fresh app serving one version, start
// a deploy, config changes, a scale or a config change during a release command; kill -9 the control
// plane at a seeded random moment; restart it; let it settle; count what was lost, duplicated, stuck or
// leaked, and what a request loop through the router saw fail meanwhile. Shared by the CI test
// (test/soak/kill-restart.test.ts) and the benchmark (bench/soak.ts).
import type { Platform } from './platform-harness.js';
import { ACTION_KINDS, ActionProgress, appSource, deploySource, runAction, type ActionKind, type Ledger } from './soak-actions.js';
import { countFaults, countLeftAfterDestroy, NO_FAULTS, settle, type FaultCounts } from './soak-checks.js';
import { newSeed, seededRandom } from './seeded-random.js';
import { readRuntimeState } from './soak-runtime-state.js';

/**
 * Whether the router is its own process that a control-plane crash leaves serving: then the CI test
 * holds its failed requests to 0. True since `berth server` supervises `berth api` and `berth router`
 * and crashControlPlane() kills only the API; set it false if the crash ever takes the router too.
 */
export const ROUTER_OUTLIVES_CONTROL_PLANE = true;

/** The crash every trial injects: kill -9 of the API process; the supervisor starts a new one. */
export async function crashControlPlane(p: Platform): Promise<void> {
  // Before the supervisor: `await p.killServer(); await p.startServer();` (the router died too).
  await p.killApi();
}

/**
 * Where a kill may land, per kind: a phase of the action to wait for, then a random delay up to
 * KILL_SPREAD_MS. Anchoring on phases (not on the action's start) spreads the kills over every
 * phase whatever the machine's speed: a build on a loaded box outlasts any fixed window.
 */
const KILL_ANCHORS: Record<ActionKind, string[]> = {
  deploy: ['upload', 'build', 'launch', 'after'],
  config: ['config-request', 'config-launch', 'after'],
  scale: ['scale-up-request', 'scale-up-settling', 'scale-down-request', 'scale-down-settling'],
  // The release command is `sleep 2` and gets a config change at its start.
  'deploy-config': ['build', 'release-command', 'launch'],
};
const KILL_SPREAD_MS: Record<ActionKind, number> = { deploy: 1500, config: 800, scale: 800, 'deploy-config': 2000 };

/** `killAfterMs` counts from the moment the action enters `killAt` (or ends, if it never does). */
export interface TrialPlan { seed: string; index: number; kind: ActionKind; killAt: string; killAfterMs: number }

/** Kinds in turn (every kind in any 4 trials); the kill moment from the seed and the trial's index. */
export function planTrials(seed: string, count: number): TrialPlan[] {
  return Array.from({ length: count }, (_, index) => {
    const kind = ACTION_KINDS[index % ACTION_KINDS.length]!;
    const random = seededRandom(`${seed}:${index}`);
    const anchors = KILL_ANCHORS[kind];
    const killAt = anchors[Math.floor(random() * anchors.length)]!;
    return { seed, index, kind, killAt, killAfterMs: Math.floor(random() * KILL_SPREAD_MS[kind]) };
  });
}

/**
 * The seed and trials a run asks for: SOAK_SEED (else a new seed, printed by the caller), SOAK_TRIALS
 * (else `defaultTrials`), SOAK_ONLY=3,7 to replay just those trials of the seed.
 */
export function plansFromEnv(env: NodeJS.ProcessEnv, defaultTrials: number): { seed: string; plans: TrialPlan[] } {
  const seed = env.SOAK_SEED || newSeed();
  const only = (env.SOAK_ONLY ?? '').split(',').filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n >= 0);
  const count = Math.max(Number(env.SOAK_TRIALS) || defaultTrials, ...only.map((n) => n + 1));
  const plans = planTrials(seed, count).filter((pl) => only.length === 0 || only.includes(pl.index));
  return { seed, plans };
}

export interface RouterCounts { requests: number; failed: number }

export interface TrialResult {
  plan: TrialPlan;
  /** The action's phase when the kill landed (e.g. `build`, `release-command`, `scale-up-settling`, `after`). */
  killPhase: string;
  settled: boolean;
  counts: FaultCounts;
  router: RouterCounts;
  faults: string[];
  ms: number;
}

export interface TrialOptions {
  /** How long the restarted platform gets to settle before what is still pending counts as stuck. */
  settleMs: number;
}

/** One trial on its own app (created, then destroyed: what it leaves running counts as orphaned). */
export async function runTrial(p: Platform, plan: TrialPlan, opts: TrialOptions): Promise<TrialResult> {
  const started = Date.now();
  const tag = `t${plan.index}`;
  const app = `soak-${plan.index}`;
  const created = await p.createApp(app);
  const ledger: Ledger = { deploys: [{ version: `${tag}-base` }], config: [], webQuantity: 1 };
  const base = await deploySource(p, app, await appSource(p, ledger.deploys[0]!.version), ledger.deploys[0]!, new ActionProgress());
  if (base !== 'succeeded') throw new Error(`trial ${plan.index}: the base deploy of ${app} ${base}:\n${p.output().slice(-4000)}`);
  await p.waitForUp(app, 1, 'web', 60_000);
  // The instrument itself: if it cannot see the one instance that surely runs, it would count 0 orphans forever.
  const seen = (await readRuntimeState(p.home)).live.filter((i) => i.appId === created.id);
  if (seen.length !== 1) throw new Error(`trial ${plan.index}: the runtime state shows ${seen.length} live instance(s) of ${app}, not 1`);

  const router = routerLoop(p, app);
  const progress = new ActionProgress();
  const action = runAction(plan.kind, p, app, ledger, progress, tag).catch(() => undefined);
  await Promise.race([progress.reached(plan.killAt), action]);
  await new Promise((r) => setTimeout(r, plan.killAfterMs));
  const killPhase = progress.phase;
  progress.stop();
  await crashControlPlane(p);
  await action;

  const settled = await settle(p, app, opts.settleMs);
  const findings = await countFaults(p, app, created.id, ledger);
  const routerCounts = await router.stop();
  await p.ok('DELETE', `/apps/${app}`);
  const left = await countLeftAfterDestroy(p, created.id, 20_000);
  const counts = { ...NO_FAULTS };
  for (const k of Object.keys(counts) as (keyof FaultCounts)[]) counts[k] = findings.counts[k] + left.counts[k];
  if (!settled) findings.faults.unshift(`did not settle within ${opts.settleMs / 1000} s of the restart`);
  return { plan, killPhase, settled, counts, router: routerCounts, faults: [...findings.faults, ...left.faults], ms: Date.now() - started };
}

/** A bounded loop of GETs through the router, one at a time, for the whole trial. */
function routerLoop(p: Platform, app: string, maxRequests = 5000): { stop(): Promise<RouterCounts> } {
  const counts: RouterCounts = { requests: 0, failed: 0 };
  let running = true;
  const loop = (async () => {
    while (running && counts.requests < maxRequests) {
      counts.requests++;
      const ok = await p.get(app, '/', 2000).then((r) => r.status === 200, () => false);
      if (!ok) counts.failed++;
      await new Promise((r) => setTimeout(r, ok ? 50 : 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return counts;
    },
  };
}

export interface SoakSummary { trials: number; totals: FaultCounts; router: RouterCounts; unsettled: number; killPhases: Record<string, number> }

export function summarize(results: TrialResult[]): SoakSummary {
  const totals = { ...NO_FAULTS };
  const router: RouterCounts = { requests: 0, failed: 0 };
  const killPhases: Record<string, number> = {};
  for (const r of results) {
    for (const k of Object.keys(totals) as (keyof FaultCounts)[]) totals[k] += r.counts[k];
    router.requests += r.router.requests;
    router.failed += r.router.failed;
    const where = `${r.plan.kind} @ ${r.killPhase}`;
    killPhases[where] = (killPhases[where] ?? 0) + 1;
  }
  return { trials: results.length, totals, router, unsettled: results.filter((r) => !r.settled).length, killPhases };
}

/** One line per trial, then its faults, each with what reproduces it. */
export function describeTrial(r: TrialResult): string {
  const c = r.counts;
  const head = `trial ${r.plan.index} ${r.plan.kind} killed ${r.plan.killAfterMs} ms into ${r.plan.killAt} (landed in ${r.killPhase}): ` +
    `lost ${c.lost}, duplicated ${c.duplicated}, stuck ${c.stuck}, orphaned ${c.orphaned}, duplicated instances ${c.duplicatedInstances}, ` +
    `router ${r.router.failed}/${r.router.requests} failed, ${r.settled ? 'settled' : 'NOT settled'}, ${(r.ms / 1000).toFixed(1)} s`;
  const replay = `SOAK_SEED=${r.plan.seed} SOAK_ONLY=${r.plan.index}`;
  return [head, ...r.faults.map((f) => `    ${f}  [${replay}]`)].join('\n');
}
