// The soak's trials are reproducible: a printed seed replays the same kinds and kill moments, and
// SOAK_ONLY picks trials of that seed without shifting them.
import { describe, expect, it } from 'vitest';
import { planTrials, plansFromEnv } from '../support/soak-trial.js';

describe('soak trial plans', () => {
  it('the same seed gives the same trials; another seed other kill moments', () => {
    expect(planTrials('abc', 8)).toEqual(planTrials('abc', 8));
    expect(planTrials('abd', 8).map((t) => t.killAfterMs)).not.toEqual(planTrials('abc', 8).map((t) => t.killAfterMs));
  });

  it('every kind comes up in any four trials in a row', () => {
    const kinds = planTrials('abc', 6).map((t) => t.kind);
    expect(new Set(kinds.slice(2, 6))).toEqual(new Set(['deploy', 'config', 'scale', 'deploy-config']));
  });

  it('SOAK_ONLY replays exactly those trials of the seed, even past SOAK_TRIALS', () => {
    const all = planTrials('abc', 12);
    const { seed, plans } = plansFromEnv({ SOAK_SEED: 'abc', SOAK_TRIALS: '5', SOAK_ONLY: '3,11' }, 30);
    expect(seed).toBe('abc');
    expect(plans).toEqual([all[3], all[11]]);
  });

  it('without SOAK_SEED a new seed is made, and the default number of trials runs', () => {
    const { seed, plans } = plansFromEnv({}, 30);
    expect(seed).not.toBe('');
    expect(plans).toHaveLength(30);
  });
});
