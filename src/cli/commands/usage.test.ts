// berth usage, prices, prices:set, quotas, quotas:set, run in-process against canned API answers.
import { describe, expect, it } from 'vitest';
import { json, runBerth } from '../testing/in-process-cli.js';

const cli = (argv: string[], respond: (url: string, init: RequestInit) => Response) => runBerth(argv, { url: 'http://api.test', token: 'tok', respond });

const line = (over: Record<string, unknown>) => ({
  app: { id: 'a1', name: 'demo' }, kind: 'instance', item: 'standard-1x', process_type: 'web', quantity: 7325, unit: 'seconds', unit_price: 0.5, price_unit: 'hour', amount: 1.02, ...over,
});
const REPORT = {
  month: '2026-11', scope: 'app demo', period_start: '2026-11-01T00:00:00.000Z', period_end: '2026-12-01T00:00:00.000Z', total: 1.2,
  lines: [line({}), line({ kind: 'build', item: 'build', process_type: null, quantity: 95, unit_price: 0.02, price_unit: 'minute', amount: 0.03 }),
    line({ kind: 'router', item: 'router-gb', process_type: null, quantity: 1_500_000_000, unit: 'bytes', unit_price: 0.1, price_unit: 'GB', amount: 0.15 })],
};

describe('berth usage', () => {
  it("asks for the app's month and prints the rated lines in human units, then the total", async () => {
    const r = await cli(['usage', '--app', 'demo', '--month', '2026-11'], () => json(200, REPORT));
    expect(r.requests).toEqual(['GET http://api.test/usage?app=demo&month=2026-11']);
    expect(r.stdout).toContain('Usage of app demo in 2026-11');
    expect(r.stdout).toMatch(/demo\s+web standard-1x\s+2h 02m 05s\s+0.5\/hour\s+1.02/);
    expect(r.stdout).toMatch(/demo\s+builds\s+01m 35s\s+0.02\/minute\s+0.03/);
    expect(r.stdout).toMatch(/demo\s+router bytes\s+1.50 GB\s+0.1\/GB\s+0.15/);
    expect(r.stdout).toContain('Total: 1.20');
  });

  it('asks for a team, or for nothing (your apps, this month); --json prints the report', async () => {
    expect((await cli(['usage', '--team', 'core'], () => json(200, REPORT))).requests).toEqual(['GET http://api.test/usage?team=core']);
    const mine = await cli(['usage', '--json'], () => json(200, REPORT));
    expect(mine.requests).toEqual(['GET http://api.test/usage']);
    expect(JSON.parse(mine.stdout)).toEqual(REPORT);
  });
});

describe('berth prices', () => {
  it('lists the price list and sets prices as ITEM=PRICE', async () => {
    const list = [{ item: 'standard-1x', kind: 'instance', unit: 'hour', price: 0.05 }, { item: 'build', kind: 'build', unit: 'minute', price: 0 }];
    expect((await cli(['prices'], () => json(200, list))).stdout).toMatch(/standard-1x\s+instance\s+0.05\/hour/);
    const set = await cli(['prices:set', 'standard-1x=0.05', 'build=0'], () => json(200, list));
    expect(set.requests).toEqual(['PATCH http://api.test/prices {"prices":{"standard-1x":0.05,"build":0}}']);
    const bad = await cli(['prices:set', 'build=cheap'], () => json(200, list));
    expect(bad.code).not.toBe(0);
    expect(bad.requests).toEqual([]);
    expect(bad.stderr).toContain('build=cheap: the price must be a number.');
  });
});

describe('berth quotas', () => {
  const QUOTA = { team: { name: 'core' }, max_instances: 10, max_memory_mb: null, max_addons: 2, use: { instances: 3, memory_mb: 1536, addons: 2 } };

  it("shows a team's limits beside its use", async () => {
    const r = await cli(['quotas', '--team', 'core'], () => json(200, QUOTA));
    expect(r.requests).toEqual(['GET http://api.test/teams/core/quotas']);
    expect(r.stdout).toContain('Instances: 3 of 10');
    expect(r.stdout).toContain('Memory:    1536 MB of no limit');
    expect(r.stdout).toContain('Add-ons:   2 of 2');
  });

  it('sets limits by name, none removing one; a bad limit sends nothing', async () => {
    const r = await cli(['quotas:set', '--team', 'core', 'instances=10', 'memory=none'], () => json(200, QUOTA));
    expect(r.requests).toEqual(['PATCH http://api.test/teams/core/quotas {"max_instances":10,"max_memory_mb":null}']);
    for (const bad of [['quotas:set', '--team', 'core', 'cpus=2'], ['quotas:set', '--team', 'core', 'instances=-1'], ['quotas:set', 'instances=1']]) {
      const refused = await cli(bad, () => json(200, QUOTA));
      expect(refused.code, bad.join(' ')).not.toBe(0);
      expect(refused.requests).toEqual([]);
    }
  });
});
