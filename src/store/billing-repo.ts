// The operator's price list and each team's quotas: set by the platform admin, read by the rating
// of usage and by the checks that refuse a scale or an add-on over a team's limit.

/** Price per unit of one item: a size or an add-on plan per hour, `build` per minute, `router-gb` per GB. */
export type PriceList = Record<string, number>;

/** A team's limits; null = no limit. */
export interface TeamQuota {
  maxInstances: number | null;
  maxMemoryMb: number | null;
  maxAddons: number | null;
}

export interface BillingRepo {
  prices(): Promise<PriceList>;
  /** Sets these prices, leaving the others; a price of 0 removes the item (0 is the default). */
  setPrices(prices: PriceList): Promise<PriceList>;
  quota(team: string): Promise<TeamQuota>;
  setQuota(team: string, quota: TeamQuota): Promise<TeamQuota>;
}
