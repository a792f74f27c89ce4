// The plan catalogue: every plan a broker offers, with the limits it sets. `postgresql` alone
// means the service's default plan, as `heroku addons:create heroku-postgresql` does; Heroku's
// service names (`heroku-postgresql`, `heroku-redis`) and plan tiers are aliases, so the stock
// heroku CLI's `addons:create heroku-postgresql:essential-0` lands on a Berth plan.
import { BerthError } from '../domain/errors.js';

export interface Plan {
  /** `postgresql:dev`. */
  name: string;
  service: string;
  description: string;
  /** Only the limits the plan's broker enforces are present. */
  limits: {
    /** PostgreSQL CONNECTION LIMIT of the add-on's role. */
    connections?: number;
    /** A size note for PostgreSQL (not enforced by the server); Redis maxmemory. */
    storageMb?: number;
    maxMemoryMb?: number;
  };
}

export const PLANS: readonly Plan[] = [
  { name: 'postgresql:dev', service: 'postgresql', description: 'PostgreSQL: 20 connections, 1 GB (advisory)', limits: { connections: 20, storageMb: 1024 } },
  { name: 'postgresql:standard', service: 'postgresql', description: 'PostgreSQL: 120 connections, 64 GB (advisory)', limits: { connections: 120, storageMb: 65536 } },
  { name: 'redis:dev', service: 'redis', description: 'Redis: 25 MB, persistent', limits: { maxMemoryMb: 25 } },
  { name: 'redis:standard', service: 'redis', description: 'Redis: 256 MB, persistent', limits: { maxMemoryMb: 256 } },
];

/** Heroku's add-on service names → Berth's services. */
const HEROKU_SERVICES: Readonly<Record<string, string>> = { 'heroku-postgresql': 'postgresql', 'heroku-redis': 'redis' };

/**
 * Heroku's plan tiers → Berth's two plans: the small/hobby tiers are `dev`, the production tiers
 * `standard`. Anything else after a Heroku service name is refused rather than guessed.
 */
const HEROKU_TIER = /^(?:(mini|hobby-\w+|essential-\d+|basic)|((?:standard|premium|private|shield|performance|advanced)(?:-\w+)?))$/;

/** The plan's name whether the client sent `"postgresql:dev"` or Heroku's `{"name": "…"}` object. */
function planText(ref: unknown): string {
  const raw = ref !== null && typeof ref === 'object' ? (ref as { name?: unknown }).name : ref;
  return typeof raw === 'string' ? raw.trim().toLowerCase() : '';
}

/** `heroku-postgresql[:tier]` → `postgresql[:dev|standard]`; Berth's own names pass unchanged. */
function berthPlanText(text: string): string {
  const [service, tier] = text.split(':', 2) as [string, string | undefined];
  const berth = HEROKU_SERVICES[service];
  if (!berth) return text;
  if (tier === undefined) return berth;
  const m = HEROKU_TIER.exec(tier);
  return `${berth}:${m ? (m[1] ? 'dev' : 'standard') : tier}`;
}

export class PlanCatalog {
  constructor(private readonly plans: readonly Plan[] = PLANS) {}

  list(service?: string): Plan[] {
    return this.plans.filter((p) => !service || p.service === service);
  }

  /**
   * `postgresql` → its first plan; `postgresql:dev` → that plan; the same as `{ name }` and under
   * Heroku's names (`heroku-postgresql:essential-0` → `postgresql:dev`); anything else is invalid_params.
   */
  resolve(ref: unknown): Plan {
    const text = berthPlanText(planText(ref));
    const plan = text.includes(':') ? this.plans.find((p) => p.name === text) : this.plans.find((p) => p.service === text);
    if (!plan) {
      const known = this.plans.map((p) => p.name).join(', ');
      throw new BerthError('invalid_params', `Couldn't find either the add-on service or the add-on plan of ${JSON.stringify(planText(ref) || ref || '')}. Plans: ${known}.`, 'addon_plan');
    }
    return plan;
  }
}
