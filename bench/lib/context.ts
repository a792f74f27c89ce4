// What every benchmark is given: where things are, and the knobs a user may turn from the environment.
import { join } from 'node:path';

export interface BenchContext {
  /** The repository root. */
  root: string;
  /** Compiled benchmark scripts (bench/dist/bench). */
  compiled: string;
  /** Rounds of interleaved load runs (BENCH_ROUNDS, default 3). */
  rounds: number;
  /** Seconds per wrk run (BENCH_DURATION, default 5). */
  durationSeconds: number;
  /** Repetitions of each deploy kind (BENCH_DEPLOYS, default 3). */
  deploys: number;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export function benchContext(root: string, env: NodeJS.ProcessEnv = process.env): BenchContext {
  return {
    root,
    compiled: join(root, 'bench', 'dist', 'bench'),
    rounds: Math.round(positive(env, 'BENCH_ROUNDS', 3)),
    durationSeconds: positive(env, 'BENCH_DURATION', 5),
    deploys: Math.round(positive(env, 'BENCH_DEPLOYS', 3)),
  };
}

/** Cores for the measured process and for everything else (load generator, backend), per BENCHMARKING.md. */
export const MEASURED_CPU = '1';
export const LOAD_CPU = '0';
