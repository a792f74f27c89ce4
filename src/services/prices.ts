// `berth prices` / `prices:set`: the operator's price list, read by everyone, set by the admin.
// An item is an instance size, an add-on plan (per hour), `build` (per minute) or `router-gb` (per GB).
import { BerthError } from '../domain/errors.js';
import { INSTANCE_SIZES } from '../domain/sizes.js';
import type { User } from '../domain/types.js';
import { BUILD_ITEM, ROUTER_GB_ITEM } from '../domain/usage-rating.js';
import type { PriceList } from '../store/billing-repo.js';
import type { Store } from '../store/store.js';

export interface PriceItem {
  item: string;
  kind: 'instance' | 'addon' | 'build' | 'router';
  unit: 'hour' | 'minute' | 'GB';
  price: number;
}

/** Every item that can carry a price, with its price (0 unless set). `plans`: the add-on plans offered. */
export async function listPrices(store: Pick<Store, 'billing'>, plans: readonly string[]): Promise<PriceItem[]> {
  const set = await store.billing.prices();
  return [
    ...INSTANCE_SIZES.map((s) => ({ item: s.name, kind: 'instance' as const, unit: 'hour' as const })),
    ...plans.map((p) => ({ item: p, kind: 'addon' as const, unit: 'hour' as const })),
    { item: BUILD_ITEM, kind: 'build' as const, unit: 'minute' as const },
    { item: ROUTER_GB_ITEM, kind: 'router' as const, unit: 'GB' as const },
  ].map((i) => ({ ...i, price: set[i.item] ?? 0 }));
}

/** Sets prices (admin only). Every item must be known and every price a number ≥ 0; one bad entry and none is set. */
export async function setPrices(store: Pick<Store, 'billing'>, actor: User, plans: readonly string[], input: unknown): Promise<PriceItem[]> {
  if (!actor.isAdmin) throw new BerthError('forbidden', 'Only the Berth admin can set prices.', 'price');
  if (typeof input !== 'object' || input === null || Array.isArray(input) || Object.keys(input).length === 0) {
    throw new BerthError('bad_request', 'Expected {"prices": {"standard-1x": 0.05, "build": 0.01, …}}.', 'price');
  }
  const known = new Set((await listPrices(store, plans)).map((i) => i.item));
  const list: PriceList = {};
  for (const [item, price] of Object.entries(input)) {
    if (!known.has(item)) throw new BerthError('invalid_params', `No such item to price: ${item}. Items: ${[...known].join(', ')}.`, 'price');
    if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) throw new BerthError('invalid_params', `The price of ${item} must be a number of at least 0.`, 'price');
    list[item] = price;
  }
  await store.billing.setPrices(list);
  return listPrices(store, plans);
}
