// Store contract cases for the metrics history's rows; run by storeContract().
import { expect, it } from 'vitest';
import type { MetricRow } from './metrics-repo.js';
import type { Store } from './store.js';

export function metricsStoreCases(getStore: () => Store): void {
  const T0 = Date.parse('2026-11-30T10:00:00Z');
  const row = (over: Partial<MetricRow>): MetricRow => ({ appId: 'app-1', kind: 'instance', series: 'web', stepSeconds: 60, at: T0, data: '1', ...over });
  const sum = (kept: MetricRow, added: MetricRow) => String(Number(kept.data) + Number(added.data));

  it('merges metric rows with the same key, replaces rollups, and reads one app and step in time order', async () => {
    const store = getStore();
    await store.metrics.merge([row({ at: T0 + 60_000, data: '2' }), row({ data: '1' }), row({ series: 'worker', data: '5' }), row({ appId: 'app-2', data: '9' })], sum);
    await store.metrics.merge([row({ data: '10' })], sum);
    await store.metrics.replace([row({ stepSeconds: 600, data: '7' })]);
    await store.metrics.replace([row({ stepSeconds: 600, data: '8' })]);
    const minutes = await store.metrics.range('app-1', 60, T0, T0 + 120_000);
    expect(minutes.map((r) => `${r.series}@${(r.at - T0) / 60_000}=${r.data}`)).toEqual(['web@0=11', 'worker@0=5', 'web@1=2']);
    expect((await store.metrics.range('app-1', 600, T0, T0 + 600_000)).map((r) => r.data)).toEqual(['8']);
    expect(await store.metrics.range('app-1', 60, T0 + 60_000, T0 + 120_000)).toHaveLength(1);
  });

  it('deletes metric rows of one step older than a time, and all rows of a forgotten app', async () => {
    const store = getStore();
    await store.metrics.merge([row({}), row({ at: T0 + 60_000 }), row({ stepSeconds: 600 }), row({ appId: 'app-2' })], sum);
    expect(await store.metrics.deleteBefore(60, T0 + 60_000)).toBe(2);
    expect((await store.metrics.range('app-1', 60, 0, T0 * 2)).map((r) => r.at)).toEqual([T0 + 60_000]);
    expect(await store.metrics.range('app-1', 600, 0, T0 * 2)).toHaveLength(1);
    await store.metrics.forgetApp('app-1');
    expect(await store.metrics.range('app-1', 600, 0, T0 * 2)).toEqual([]);
    expect(await store.metrics.range('app-2', 60, 0, T0 * 2)).toHaveLength(0); // deleted above with the old minutes
  });
}
