// `npm run bench [-- name...]`: runs the benchmarks, prints their tables, writes bench/results/latest.json.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { benchContext, type BenchContext } from './lib/context.js';
import { describeMachine } from './lib/machine.js';
import { renderMarkdown, renderTable, type BenchResult } from './lib/table.js';
import { ensureTools } from './lib/tools.js';
import { runApiOutage } from './api-outage.js';
import { runDeploy } from './deploy.js';
import { runDrains } from './drains.js';
import { runFleet } from './fleet.js';
import { runDensity } from './density.js';
import { runHeal } from './heal.js';
import { runMetrics } from './metrics.js';
import { runLogHistory } from './log-history.js';
import { runRelease } from './release.js';
import { runRouter } from './router.js';
import { runScale } from './scale.js';
import { runSoak } from './soak.js';

/** One table, or one per variant (e.g. per runtime). */
type Bench = (ctx: BenchContext) => Promise<BenchResult | BenchResult[]>;

const BENCHMARKS: Record<string, { title: string; run: Bench }> = {
  router: { title: 'router throughput and overhead', run: runRouter },
  deploy: { title: 'deploy latency', run: runDeploy },
  scale: { title: 'scale-out and instance start', run: runScale },
  heal: { title: 'self-healing after kill -9', run: runHeal },
  release: { title: 'zero-downtime release under load', run: runRelease },
  density: { title: 'memory footprint and API latency with many apps', run: runDensity },
  'api-outage': { title: 'the router while the API is killed', run: runApiOutage },
  soak: { title: 'kill -9 of the control plane during deploys, config changes and scales (issue 11)', run: runSoak },
  metrics: { title: 'metrics: the instance sampler per 100 instances and the history (issue 16)', run: runMetrics },
  fleet: { title: 'a fleet on Docker Swarm: deploy vs docker, node loss, node join (issue 14)', run: runFleet },
  'log-history': { title: 'log history: bytes on disk and search speed over 1M lines (issue 16)', run: runLogHistory },
  drains: { title: 'log drains: CPU per 1,000 lines/s delivered to syslog and HTTPS (issue 16)', run: runDrains },
};

const root = resolve(import.meta.dirname, '..', '..', '..');

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; choose from: ${Object.keys(BENCHMARKS).join(', ')}\n`);
    process.exit(2);
  }
  const names = asked.length > 0 ? asked : Object.keys(BENCHMARKS);
  ensureTools(root);
  const ctx = benchContext(root);
  const machine = describeMachine();
  process.stdout.write(`Berth benchmarks on ${machine.nproc} cores (${machine.cpuModel}), ${machine.memTotalMiB} MiB, node ${machine.node}\n\n`);
  const results: BenchResult[] = [];
  const started = Date.now();
  for (const name of names) {
    const bench = BENCHMARKS[name]!;
    process.stdout.write(`-- running ${name}: ${bench.title}\n`);
    const t0 = Date.now();
    let produced: BenchResult[];
    try {
      const out = await bench.run(ctx);
      produced = Array.isArray(out) ? out : [out];
    } catch (e) {
      // One broken benchmark must not hide the others' figures.
      produced = [{ name, title: bench.title, rows: [], details: {}, error: e instanceof Error ? e.stack ?? e.message : String(e) }];
    }
    if (produced[0]) produced[0].details.seconds = Math.round((Date.now() - t0) / 1000);
    for (const result of produced) {
      results.push(result);
      process.stdout.write(renderTable(result) + '\n\n');
    }
  }
  const dir = join(root, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  const body = { machine, settings: { rounds: ctx.rounds, durationSeconds: ctx.durationSeconds, deploys: ctx.deploys }, seconds: Math.round((Date.now() - started) / 1000), results };
  await writeFile(`${file}.tmp`, JSON.stringify(body, null, 2) + '\n');
  await rename(`${file}.tmp`, file);
  await writeFile(join(dir, 'latest.md'), `${machine.nproc} cores (${machine.cpuModel}), node ${machine.node}, ${machine.date}\n\n${renderMarkdown(results)}\n`);
  process.stdout.write(`results: ${file} (markdown table: bench/results/latest.md)\n`);
}

await main();
