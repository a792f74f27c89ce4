import { describe, expect, it } from 'vitest';
import { PlanCatalog } from './plans.js';

describe('PlanCatalog', () => {
  const plans = new PlanCatalog();
  it('resolves a service to its default plan and a full plan name to itself', () => {
    expect(plans.resolve('postgresql').name).toBe('postgresql:dev');
    expect(plans.resolve('redis:standard').limits.maxMemoryMb).toBe(256);
  });
  it('refuses unknown services and plans with invalid_params', () => {
    for (const bad of ['mysql', 'postgresql:huge', '', undefined, 42]) {
      expect(() => plans.resolve(bad)).toThrow(expect.objectContaining({ code: 'invalid_params' }));
    }
  });
});

describe('PlanCatalog with the heroku CLI\'s names', () => {
  const plans = new PlanCatalog();
  it('takes the plan as Heroku\'s {"name": …} object', () => {
    expect(plans.resolve({ name: 'redis:standard' }).name).toBe('redis:standard');
    expect(plans.resolve({ name: 'postgresql' }).name).toBe('postgresql:dev');
  });
  it('treats heroku-postgresql / heroku-redis as the postgresql / redis services and their default plans', () => {
    expect(plans.resolve({ name: 'heroku-postgresql' }).name).toBe('postgresql:dev');
    expect(plans.resolve('heroku-redis').name).toBe('redis:dev');
    expect(plans.resolve('heroku-postgresql:standard').name).toBe('postgresql:standard');
  });
  it('maps Heroku\'s plan tiers onto dev (small tiers) and standard (production tiers)', () => {
    for (const small of ['essential-0', 'mini', 'hobby-dev', 'basic']) expect(plans.resolve(`heroku-postgresql:${small}`).name).toBe('postgresql:dev');
    expect(plans.resolve({ name: 'heroku-redis:mini' }).name).toBe('redis:dev');
    for (const big of ['standard-0', 'premium-2', 'premium-0']) expect(plans.resolve(`heroku-redis:${big}`).name).toBe('redis:standard');
  });
  it('still refuses what is neither Berth\'s nor Heroku\'s, naming what was sent', () => {
    for (const bad of ['heroku-postgresql:huge', 'heroku-mysql', { name: 42 }, { plan: 'x' }]) {
      expect(() => plans.resolve(bad)).toThrow(expect.objectContaining({ code: 'invalid_params' }));
    }
    expect(() => plans.resolve({ name: 'heroku-postgresql:huge' })).toThrow(/"heroku-postgresql:huge"/);
  });
});
