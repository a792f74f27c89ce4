// `berth run --env` takes Heroku's KEY=VALUE;KEY2=VALUE2 form.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../command.js';
import { parseEnvFlag } from './run.js';

describe('parseEnvFlag', () => {
  it('splits pairs on ; and keys on the first =', () => {
    expect(parseEnvFlag('A=1;B=x=y;')).toEqual({ A: '1', B: 'x=y' });
    expect(parseEnvFlag(undefined)).toBeUndefined();
  });

  it('refuses a pair without a key', () => {
    expect(() => parseEnvFlag('=1')).toThrow(UsageError);
  });
});
