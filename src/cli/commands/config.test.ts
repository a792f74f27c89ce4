import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../domain/shell-quote.js';
import { parseAssignment } from './config.js';

describe('config value handling', () => {
  it('splits KEY=VALUE at the first = only', () => {
    expect(parseAssignment('DATABASE_URL=postgres://u:p@h/db?sslmode=require')).toEqual(['DATABASE_URL', 'postgres://u:p@h/db?sslmode=require']);
    expect(parseAssignment('EMPTY=')).toEqual(['EMPTY', '']);
    expect(() => parseAssignment('NOEQUALS')).toThrow(/KEY=VALUE/);
  });

  it('quotes --shell output so a POSIX shell reads back the exact value', () => {
    for (const value of ["it's $(id) `id` \\n", 'a b', '', 'plain', "''"]) {
      // The quoted value is passed as $1 and eval'd by bash: exactly what `eval $(berth config --shell)` does.
      const echoed = execFileSync('bash', ['-c', 'eval "X=$1"; printf %s "$X"', '_', shellQuote(value)], { encoding: 'utf8' });
      expect(echoed).toBe(value);
    }
  });
});
