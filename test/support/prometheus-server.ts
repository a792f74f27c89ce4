// A Prometheus server of the test's own (Debian's `prometheus` package) on a free loopback port, with
// its own configuration and data directory, scraping what the test's scrape configuration says;
// queried through its HTTP API. Also promtool, to lint an exposition text.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './cli-harness.js';
import { waitFor } from './platform-harness.js';
import type { Dependency } from './require-dependency.js';

const PROMETHEUS_BIN = '/usr/bin/prometheus';
const PROMTOOL_BIN = '/usr/bin/promtool';

export const prometheusPackage: Dependency = {
  name: "Debian's prometheus (a real Prometheus server and promtool)",
  check: () => (existsSync(PROMETHEUS_BIN) && existsSync(PROMTOOL_BIN) ? undefined : `${PROMETHEUS_BIN} or ${PROMTOOL_BIN} not found`),
  install: 'bash scripts/install-test-deps.sh (installs prometheus)',
};

/** One sample of an instant query: the series' labels and its value. */
export interface PromSample { metric: Record<string, string>; value: number }

export class PrometheusServer {
  private output = '';

  private constructor(readonly url: string, private readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /** Runs with `scrapeConfigs` (a `scrape_configs:` YAML block), scraping and evaluating every second. */
  static async start(dir: string, scrapeConfigs: string): Promise<PrometheusServer> {
    await mkdir(join(dir, 'data'), { recursive: true });
    const port = await freePort();
    const config = join(dir, 'prometheus.yml');
    await writeFile(config, `global: {scrape_interval: 1s, evaluation_interval: 1s}\n${scrapeConfigs}`);
    const child = spawn(PROMETHEUS_BIN, [
      `--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', () => undefined);
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child);
    try {
      await waitFor(async () => (await fetch(`${server.url}/-/ready`)).status === 200, 30_000, `Prometheus on ${server.url}`);
    } catch (e) {
      server.stop();
      throw new Error(`${(e as Error).message}\n${server.output}`);
    }
    return server;
  }

  /** An instant query through `/api/v1/query`. */
  async query(promql: string): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** The scrape target's health as Prometheus last saw it (`up`, `down`, `unknown`) and its last error. */
  async target(): Promise<{ health: string; lastError: string }> {
    const body = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; lastError: string }> } };
    return body.data.activeTargets[0] ?? { health: 'unknown', lastError: 'no target' };
  }

  logs(): string {
    return this.output;
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
  }
}

/** `promtool check metrics` over an exposition text: its exit code and what it printed (lint problems). */
export function promtoolCheckMetrics(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(PROMTOOL_BIN, ['check', 'metrics'], (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (code === -1) return reject(error);
      resolve({ code, output: stdout + stderr });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(text);
  });
}
