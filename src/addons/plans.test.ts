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
