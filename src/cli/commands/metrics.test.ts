// berth metrics, run in-process against a canned API answer; and the sparkline it draws.
import { describe, expect, it } from 'vitest';
import { json, runBerth } from '../testing/in-process-cli.js';
import { sparkline } from '../sparkline.js';

const MiB = 1024 * 1024;
const times = ['2026-11-30T10:00:00.000Z', '2026-11-30T10:01:00.000Z', '2026-11-30T10:02:00.000Z', '2026-11-30T10:03:00.000Z'];
const PAGE = {
  app: { id: 'a1', name: 'demo' }, since: times[0], until: '2026-11-30T10:04:00.000Z', step: 60, times,
  metrics: [
    { name: 'cpu', unit: 'percent', series: [{ label: 'web', values: [1, 2, 4, 8] }, { label: 'worker', values: [null, 50, 50, null] }] },
    { name: 'memory', unit: 'bytes', series: [{ label: 'web', values: [60 * MiB, 62 * MiB, 64 * MiB, 70 * MiB] }, { label: 'worker', values: [null, 100 * MiB, 90 * MiB, null] }] },
    { name: 'memory-limit', unit: 'bytes', series: [{ label: 'web', values: [512 * MiB, 512 * MiB, 512 * MiB, 512 * MiB] }, { label: 'worker', values: [null, 1024 * MiB, 1024 * MiB, null] }] },
    { name: 'restarts', unit: 'count', series: [{ label: 'web', values: [0, 1, 0, 1] }, { label: 'worker', values: [null, 0, 0, null] }] },
    { name: 'requests', unit: 'count', series: [{ label: null, values: [10, 20, 30, 40] }] },
    { name: 'requests-5xx', unit: 'count', series: [{ label: null, values: [0, 0, 3, 0] }] },
    { name: 'latency-p95', unit: 'milliseconds', series: [{ label: null, values: [20, 25, 300, 40] }] },
  ],
};

const cli = (argv: string[], body: unknown = PAGE) => runBerth(argv, { url: 'http://api.test', token: 'tok', respond: () => json(200, body) });

describe('berth metrics', () => {
  it('asks for the metrics it shows over the window given, and prints a table per process type and one for the router', async () => {
    const r = await cli(['metrics', '-a', 'demo', '--since', '4m']);
    expect(r.code).toBe(0);
    expect(r.requests).toEqual(['GET http://api.test/apps/demo/metrics?metric=cpu%2Cmemory%2Cmemory-limit%2Crestarts%2Crequests%2Crequests-5xx%2Clatency-p95&since=4m']);
    expect(r.stdout).toContain('⬢ demo metrics since 2026-11-30 10:00 UTC, one point per 1m');
    const [web, worker, router] = r.stdout.split(/\n\n/).slice(1);
    expect(web).toMatch(/^web\n/);
    expect(web).toMatch(/CPU\s+8\.0%\s+8\.0%\s+▁▂▄█/);
    expect(web).toMatch(/Memory \(RSS\)\s+70 MB of 512 MB\s+70 MB\s+▁▂▄█/);
    expect(web).toMatch(/Restarts\s+1\s+1\s+2\s+▁█▁█/);
    expect(worker).toMatch(/Memory \(RSS\)\s+90 MB of 1\.0 GB\s+100 MB\s+ █▁/);
    expect(router).toMatch(/Requests\s+40\s+40\s+100\s+▁▃▆█/);
    expect(router).toMatch(/5xx\s+0\s+3\s+3\s+▁▁█▁/);
    expect(router).toMatch(/p95 latency\s+40 ms\s+300 ms\s+▁▁█▁/);
  });

  it('says so when nothing was measured, and prints the page as it came with --json', async () => {
    const empty = { ...PAGE, metrics: PAGE.metrics.map((m) => ({ ...m, series: [] })) };
    const r = await cli(['metrics', '-a', 'demo'], empty);
    expect(r.stdout).toContain('No instance samples in this window.');
    expect(r.stdout).toContain('No requests in this window.');
    expect(JSON.parse((await cli(['metrics', '-a', 'demo', '--json'])).stdout)).toEqual(PAGE);
  });
});

describe('sparkline', () => {
  it('draws a series from its lowest to its highest value, a gap where nothing was measured, and squeezes long series to the width', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([60, 62, 64, 70])).toBe('▁▂▄█');
    expect(sparkline([5, null, 5])).toBe('▄ ▄');
    expect(sparkline([0, 0])).toBe('▁▁');
    expect(sparkline([null, null])).toBe('  ');
    expect(sparkline(Array.from({ length: 100 }, (_, i) => (i < 50 ? 0 : 10)), 4)).toBe('▁▁██');
  });
});
