// Issue 11's soak in CI: a few seeded trials, each killing the control plane (kill -9) in the middle
// of a deploy, config changes, a scale or a config change during a release command, then restarting
// it. Nothing acknowledged may be lost or recorded twice, nothing may stay pending, and no instance
// may run that no slot wants. The benchmark (`npm run bench -- soak`) runs the same trials, ≥ 30.
import { describe, expect, it } from 'vitest';
import { Platform, usePlatform } from '../support/platform-harness.js';
import { describeTrial, plansFromEnv, ROUTER_OUTLIVES_CONTROL_PLANE, runTrial, summarize, type TrialResult } from '../support/soak-trial.js';

const { seed: SEED, plans } = plansFromEnv(process.env, 5);

let p: Platform;
usePlatform((started) => (p = started));

describe('kill -9 of the control plane during deploys, config changes and scales', () => {
  const results: TrialResult[] = [];

  it(`${plans.length} trials (SOAK_SEED=${SEED}) lose, duplicate, leave pending and leak nothing`, async () => {
    for (const plan of plans) {
      const result = await runTrial(p, plan, { settleMs: 20_000 });
      results.push(result);
      process.stdout.write(`${describeTrial(result)}\n`);
    }
    const { totals, router } = summarize(results);
    const faults = results.flatMap((r) => r.faults.map((f) => `trial ${r.plan.index} (${r.plan.kind} @ ${r.killPhase}): ${f}`));
    expect({ ...totals, faults }, `SOAK_SEED=${SEED} reproduces these`).toEqual({ lost: 0, duplicated: 0, stuck: 0, orphaned: 0, duplicatedInstances: 0, faults: [] });
    if (ROUTER_OUTLIVES_CONTROL_PLANE) expect(router.failed, `requests failed at the router (SOAK_SEED=${SEED})`).toBe(0);
  }, 60_000 + plans.length * 60_000);
});
