// Berth scraped by a real Prometheus (Debian's package, started here with its own configuration on
// a loopback port, using the scrape token): after requests through the router (200s, 404s and H14
// 503s), Prometheus's own query API shows the app's requests per status class, its router errors
// and a latency quantile from the histogram; promtool finds nothing to lint in the exposition.
// Prometheus runs with the README's scrape config as written (its address and token file aside),
// and the token comes from the README's `berth metrics:token`.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { berth, ROOT } from '../support/cli-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { fixture, Platform, usePlatform, waitFor } from '../support/platform-harness.js';
import { PrometheusServer, prometheusPackage, promtoolCheckMetrics, type PromSample } from '../support/prometheus-server.js';

let p: Platform;

/** The README's scrape config ("Scrape Berth with Prometheus"), pointed at this test's server and token file. */
function readmeScrapeConfig(apiAddress: string, tokenFile: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /### Scrape Berth with Prometheus[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block?.includes("'localhost:5000'") || !block.includes('/etc/prometheus/berth-token')) throw new Error('README: no scrape config for localhost:5000 with /etc/prometheus/berth-token');
  return block.replace("'localhost:5000'", `'${apiAddress}'`).replace('/etc/prometheus/berth-token', tokenFile);
}

const byLabel = (samples: PromSample[], label: string) => Object.fromEntries(samples.map((s) => [s.metric[label], s.value]));

describeWith(prometheusPackage, 'Prometheus scraping Berth', () => {
  usePlatform((started) => (p = started));

  it('shows the requests of an app by status class, its router errors and a latency quantile', async () => {
    const app = 'prom-demo';
    await p.createApp(app);
    await p.deployOk(app, fixture('node-hello'), 'v1');
    await p.waitForUp(app, 1);
    const dir = await p.tempDir('berth-prometheus-');
    const printed = await berth(['metrics:token'], { home: dir, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
    expect(printed.code, printed.stderr).toBe(0);
    const token = printed.stdout.trim();
    await writeFile(join(dir, 'berth-token'), printed.stdout, { mode: 0o600 });
    const prometheus = await PrometheusServer.start(dir, readmeScrapeConfig(`127.0.0.1:${p.apiPort}`, join(dir, 'berth-token')));
    try {
      // Every answer the test gets is counted by its status class: Prometheus must show the same.
      const sent: Record<string, number> = {};
      const hit = async (path: string) => {
        const { status } = await p.get(app, path);
        const statusClass = `${Math.floor(status / 100)}xx`;
        sent[statusClass] = (sent[statusClass] ?? 0) + 1;
        return status;
      };
      for (let n = 0; n < 5; n++) expect(await hit('/')).toBe(200);
      for (let n = 0; n < 3; n++) expect(await hit('/no/such/page')).toBe(404);
      await p.scale(app, 'web', 0);
      // No web instance: the router answers H14 itself, once the published route has no backend left
      // (until then a request may still be answered by the stopping instance: it is counted as it came).
      await waitFor(async () => (await hit('/')) === 503, 30_000, 'the H14 answer');
      expect(await hit('/')).toBe(503);
      // The app's log says why: H14 (no web dynos).
      await waitFor(async () => (await p.logs(app, { source: 'router' })).includes('code=H14'), 10_000, 'an H14 line');
      const total = Object.values(sent).reduce((a, b) => a + b, 0);

      // The router reports a minute once it is over; Prometheus scrapes every second.
      const requests = await waitFor(async () => {
        const samples = await prometheus.query(`berth_app_requests_total{app="${app}"}`);
        const counts = byLabel(samples, 'status_class');
        return Object.values(counts).reduce((a: number, b) => a + Number(b), 0) === total && counts;
      }, 150_000, 'the requests in Prometheus', 1000).catch(async (e: Error) => { throw new Error(`${e.message}; sent ${JSON.stringify(sent)}; Prometheus has ${JSON.stringify(await prometheus.query(`berth_app_requests_total{app="${app}"}`))}; target: ${JSON.stringify(await prometheus.target())}`); });
      expect(requests).toEqual(sent);
      // Every 5xx the test got was a router error (the app itself answers no 5xx), most of them H14.
      const errors = byLabel(await prometheus.query(`berth_app_router_errors_total{app="${app}"}`), 'code');
      expect(Object.values(errors).reduce((a: number, b) => a + Number(b), 0)).toBe(sent['5xx']);
      expect(errors.H14).toBeGreaterThanOrEqual(1);
      const [p95] = await prometheus.query(`histogram_quantile(0.95, sum by (le) (berth_app_request_duration_seconds_bucket{app="${app}"}))`);
      expect(Number.isFinite(p95!.value) && p95!.value > 0 && p95!.value <= 30).toBe(true);
      const [count] = await prometheus.query(`berth_app_request_duration_seconds_count{app="${app}"}`);
      expect(count!.value).toBe(total);
      expect((await prometheus.query(`berth_app_bytes_out_total{app="${app}"}`))[0]!.value).toBeGreaterThan(0);
      expect((await prometheus.query(`berth_app_bytes_in_total{app="${app}"}`))[0]!.value).toBeGreaterThan(0);
      expect((await prometheus.query('berth_builds_total{outcome="succeeded"}'))[0]!.value).toBe(1);
      expect(await prometheus.target()).toMatchObject({ health: 'up' });

      const exposition = await fetch(`${p.apiUrl}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      const lint = await promtoolCheckMetrics(await exposition.text());
      // Berth's own metrics pass promtool's lint; prom-client's default process metrics name three
      // gauges `nodejs_active_*_total`, which promtool flags (and nothing else of theirs).
      const problems = lint.output.split('\n').filter((l) => l.trim() !== '');
      expect(problems.filter((l) => !/^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(l))).toEqual([]);
      // Without the token Prometheus would get nothing.
      expect((await fetch(`${p.apiUrl}/metrics`)).status).toBe(401);

      // A destroyed app leaves no series behind.
      await p.ok('DELETE', `/apps/${app}`);
      const after = await (await fetch(`${p.apiUrl}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).text();
      expect(after).toContain('berth_builds_total');
      expect(after).not.toContain(`app="${app}"`);
    } finally {
      prometheus.stop();
    }
  }, 300_000);
});
