// The plan catalogue: every plan a broker offers, with the limits it sets. `postgresql` alone
// means the service's default plan, as `heroku addons:create heroku-postgresql` does.
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

export class PlanCatalog {
  constructor(private readonly plans: readonly Plan[] = PLANS) {}

  list(service?: string): Plan[] {
    return this.plans.filter((p) => !service || p.service === service);
  }

  /** `postgresql` → its first plan; `postgresql:dev` → that plan; anything else is invalid_params. */
  resolve(ref: unknown): Plan {
    const text = typeof ref === 'string' ? ref.trim().toLowerCase() : '';
    const plan = text.includes(':') ? this.plans.find((p) => p.name === text) : this.plans.find((p) => p.service === text);
    if (!plan) {
      const known = this.plans.map((p) => p.name).join(', ');
      throw new BerthError('invalid_params', `Couldn't find either the add-on service or the add-on plan of ${JSON.stringify(ref ?? '')}. Plans: ${known}.`, 'addon_plan');
    }
    return plan;
  }
}
