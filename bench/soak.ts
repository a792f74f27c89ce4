// Benchmark: issue 11's fault-injection soak, ≥ 30 trials. Each trial kills the API process (kill -9)
// at a seeded random moment of a deploy, config changes, a scale or a config change during a release
// command, restarts it, and counts what was lost, duplicated, left pending or leaked, and the requests
// the router failed meanwhile. The trial itself is test/support/soak-trial.ts (the CI test runs 5).
import { Platform } from '../test/support/platform-harness.js';
import { describeTrial, plansFromEnv, ROUTER_OUTLIVES_CONTROL_PLANE, runTrial, summarize, type TrialResult } from '../test/support/soak-trial.js';
import type { BenchContext } from './lib/context.js';
import { median } from './lib/stats.js';
import type { BenchResult, Row } from './lib/table.js';

export async function runSoak(_ctx: BenchContext): Promise<BenchResult> {
  const { seed, plans } = plansFromEnv(process.env, 30);
  process.stdout.write(`soak: seed ${seed}, ${plans.length} trials (replay one: SOAK_SEED=${seed} SOAK_ONLY=<trial>)\n`);
  const results: TrialResult[] = [];
  let aborted: string | undefined;
  const p = await Platform.start();
  try {
    for (const plan of plans) {
      try {
        const result = await runTrial(p, plan, { settleMs: 30_000 });
        results.push(result);
        process.stdout.write(`${describeTrial(result)}\n`);
      } catch (e) {
        // A trial that cannot run (the server did not come back) ends the soak; the trials so far still count.
        aborted = `trial ${plan.index} (${plan.kind}, kill ${plan.killAfterMs} ms into ${plan.killAt}) could not run: ${e instanceof Error ? e.message : String(e)}`;
        process.stdout.write(`${aborted}\n`);
        break;
      }
    }
  } finally {
    await p.stop().catch((e: Error) => process.stdout.write(`soak: stopping the platform: ${e.message}\n`));
  }
  const s = summarize(results);
  const note = `seed ${seed}`;
  const rows: Row[] = [
    { metric: 'trials (kill -9 + restart each)', berth: s.trials, unit: 'trials', note: aborted ? `stopped early: ${aborted.slice(0, 200)}` : note },
    { metric: 'lost acknowledged actions', berth: s.totals.lost, unit: 'actions', note: 'target 0' },
    { metric: 'duplicated releases or builds', berth: s.totals.duplicated, unit: 'records', note: 'target 0' },
    { metric: 'builds/releases stuck pending after settling', berth: s.totals.stuck, unit: 'records', note: 'target 0' },
    { metric: 'orphaned instances or stray processes', berth: s.totals.orphaned, unit: 'instances', note: 'target 0' },
    { metric: 'duplicated instances (two for one slot)', berth: s.totals.duplicatedInstances, unit: 'instances', note: 'target 0' },
    { metric: 'trials that never settled', berth: s.unsettled, unit: 'trials' },
    { metric: 'requests failed at the router', berth: s.router.failed, unit: `of ${s.router.requests}`, note: ROUTER_OUTLIVES_CONTROL_PLANE ? 'target 0: only the API process is killed' : 'the whole server is killed, router included' },
    { metric: 'trial length (median)', berth: median(results.map((r) => r.ms)) / 1000, unit: 's' },
    ...Object.entries(s.killPhases).sort().map(([where, n]) => ({ metric: `  kills at ${where}`, berth: n, unit: 'trials' })),
  ];
  const details = {
    seed,
    aborted,
    trials: results.map((r) => ({ index: r.plan.index, kind: r.plan.kind, killAt: r.plan.killAt, killAfterMs: r.plan.killAfterMs, killPhase: r.killPhase, settled: r.settled, counts: r.counts, router: r.router, faults: r.faults, ms: r.ms })),
  };
  return { name: 'soak', title: 'kill -9 of the control plane during deploys, config changes and scales', rows, details };
}
