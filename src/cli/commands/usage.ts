// usage, prices, prices:set: a month's rated usage and the operator's price list (Berth extensions;
// Heroku bills through its dashboard, with no CLI command for it).
import type { PriceItem, UsageLine } from '../../client/api-types.js';
import { UsageError, defineCommand } from '../command.js';
import { stringFlag } from '../parse-input.js';
import { parseAssignment } from './config.js';

const money = (n: number): string => n.toFixed(2);
/** Decimal GB, the unit router traffic is priced in. */
const gigabytes = (bytes: number): string => `${(bytes / 1e9).toFixed(2)} GB`;
/** `3h 02m 05s`: instance, add-on and build time as people read it. */
const duration = (seconds: number): string => {
  const s = Math.round(seconds);
  const parts = [Math.floor(s / 3600) > 0 ? `${Math.floor(s / 3600)}h` : '', `${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`, `${String(s % 60).padStart(2, '0')}s`];
  return parts.filter(Boolean).join(' ');
};

const USAGE_COLUMNS: ReadonlyArray<{ header: string; get: (l: UsageLine) => string }> = [
  { header: 'App', get: (l) => l.app.name },
  { header: 'Usage', get: (l) => (l.kind === 'instance' ? `${l.process_type} ${l.item}` : l.kind === 'addon' ? `add-on ${l.item}` : l.kind === 'build' ? 'builds' : 'router bytes') },
  { header: 'Quantity', get: (l) => (l.unit === 'bytes' ? gigabytes(l.quantity) : duration(l.quantity)) },
  { header: 'Price', get: (l) => `${l.unit_price}/${l.price_unit}` },
  { header: 'Amount', get: (l) => money(l.amount) },
];

export const usage = defineCommand({
  name: 'usage',
  description: "show a month's metered usage, rated by the price list: your apps, one app, or a team",
  flags: {
    app: { type: 'string', short: 'a', description: 'one app', valueName: 'APP' },
    team: { type: 'string', short: 't', description: 'one team (its admins)', valueName: 'TEAM' },
    month: { type: 'string', description: 'the month, e.g. 2026-11 (default: this month, UTC)', valueName: 'YYYY-MM' },
    json: { type: 'boolean', description: 'output in json format' },
  },
  examples: ['berth usage', 'berth usage --app demo --month 2026-11', 'berth usage --team core --json'],
  async run(ctx, input) {
    const report = await ctx.client().usage({ app: stringFlag(input, 'app'), team: stringFlag(input, 'team'), month: stringFlag(input, 'month') });
    if (input.flags.json) return ctx.out.json(report);
    ctx.out.header(`Usage of ${report.scope} in ${report.month}`);
    if (report.lines.length === 0) ctx.out.line('No usage recorded.');
    else ctx.out.table(report.lines, USAGE_COLUMNS);
    ctx.out.line();
    ctx.out.line(`Total: ${money(report.total)}`);
  },
});

const PRICE_COLUMNS: ReadonlyArray<{ header: string; get: (p: PriceItem) => string }> = [
  { header: 'Item', get: (p) => p.item },
  { header: 'Kind', get: (p) => p.kind },
  { header: 'Price', get: (p) => `${p.price}/${p.unit}` },
];

export const prices = defineCommand({
  name: 'prices',
  description: 'show the price list: instance sizes and add-on plans per hour, builds per minute, router traffic per GB',
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const list = await ctx.client().listPrices();
    if (input.flags.json) return ctx.out.json(list);
    ctx.out.table(list, PRICE_COLUMNS);
  },
});

export const pricesSet = defineCommand({
  name: 'prices:set',
  description: 'set prices (admin only): SIZE=… and ADDON_PLAN=… per hour, build=… per minute, router-gb=… per GB; 0 charges nothing',
  args: [{ name: 'ITEM=PRICE', description: 'an item of `berth prices` and its price', required: true, variadic: true }],
  examples: ['berth prices:set standard-1x=0.05 postgresql:dev=0.01 build=0.002 router-gb=0.09'],
  async run(ctx, input) {
    const list: Record<string, number> = {};
    for (const [item, text] of input.argv.map(parseAssignment)) {
      const price = Number(text);
      if (text.trim() === '' || !Number.isFinite(price)) throw new UsageError(`${item}=${text}: the price must be a number.`);
      list[item] = price;
    }
    const updated = await ctx.out.action(`Setting prices of ${Object.keys(list).join(', ')}`, () => ctx.client().setPrices(list));
    ctx.out.table(updated.filter((p) => p.item in list), PRICE_COLUMNS);
  },
});
