import { describe, expect, it } from 'vitest';
import { decideRefUpdate, isSafeRefName, parseRefUpdates, planPush, type RefUpdate } from './ref-updates.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const ZERO = '0'.repeat(40);
const upd = (ref: string, newSha = B, oldSha = A): RefUpdate => ({ oldSha, newSha, ref });

describe('parseRefUpdates', () => {
  it('reads the old, new and ref of each line', () => {
    expect(parseRefUpdates(`${A} ${B} refs/heads/main\n${ZERO} ${A} refs/heads/master\n`)).toEqual([
      upd('refs/heads/main'),
      { oldSha: ZERO, newSha: A, ref: 'refs/heads/master' },
    ]);
  });

  it('refuses lines that are not two object ids and a ref', () => {
    expect(() => parseRefUpdates(`${A} refs/heads/main\n`)).toThrow(/malformed/);
    expect(() => parseRefUpdates(`${A} ${B} refs/heads/a b\n`)).toThrow(/malformed/);
    expect(() => parseRefUpdates(`$(id) ${B} refs/heads/main\n`)).toThrow(/malformed/);
  });
});

describe('isSafeRefName', () => {
  it('accepts ordinary branch names', () => {
    for (const ref of ['refs/heads/main', 'refs/heads/feature/login-2', 'refs/heads/v1.2_rc+1', 'refs/tags/v1.0']) expect(isSafeRefName(ref), ref).toBe(true);
  });

  it('refuses option-like names, shell metacharacters, control characters and path tricks', () => {
    for (const ref of [
      '-refs/heads/main', 'refs/heads/-main', 'refs/heads/--upload-pack=x', 'refs/heads/$(touch x)', 'refs/heads/a;rm',
      'refs/heads/a|b', 'refs/heads/`id`', "refs/heads/it's", 'refs/heads/a\nb', 'refs/heads/a\u0007', 'refs/heads/../../x',
      'refs/heads/x.lock', 'refs/heads//x', 'heads/main', 'refs/main', 'refs/heads/.hidden',
    ]) expect(isSafeRefName(ref), JSON.stringify(ref)).toBe(false);
  });
});

describe('decideRefUpdate', () => {
  it('deploys main and master', () => {
    expect(decideRefUpdate(upd('refs/heads/main'))).toMatchObject({ kind: 'deploy', branch: 'main' });
    expect(decideRefUpdate(upd('refs/heads/master'))).toMatchObject({ kind: 'deploy', branch: 'master' });
  });

  it('rejects other branches and tags with a message that says how to deploy them', () => {
    const d = decideRefUpdate(upd('refs/heads/feature'));
    expect(d.kind).toBe('reject');
    expect(d.kind === 'reject' && d.reason).toContain('git push berth feature:main');
    expect(decideRefUpdate(upd('refs/tags/v1')).kind).toBe('reject');
  });

  it('leaves deletions to git (receive.denyDeletes) and builds nothing', () => {
    expect(decideRefUpdate(upd('refs/heads/main', ZERO)).kind).toBe('ignore');
  });

  it('rejects unsafe names before anything else, and quotes them in the message', () => {
    const d = decideRefUpdate(upd('refs/heads/main;reboot'));
    expect(d).toMatchObject({ kind: 'reject' });
    expect(d.kind === 'reject' && d.reason).toContain('"refs/heads/main;reboot"');
  });
});

describe('planPush', () => {
  it('deploys the one deploy branch of a push', () => {
    expect(planPush([upd('refs/heads/main')])).toMatchObject({ deploy: { branch: 'main' }, rejections: [] });
  });

  it('refuses the whole push when any ref is refused', () => {
    const plan = planPush([upd('refs/heads/main'), upd('refs/heads/wip')]);
    expect(plan.deploy).toBeUndefined();
    expect(plan.rejections).toHaveLength(1);
  });

  it('refuses main and master in one push', () => {
    const plan = planPush([upd('refs/heads/main'), upd('refs/heads/master')]);
    expect(plan.deploy).toBeUndefined();
    expect(plan.rejections[0]).toMatch(/both main and master/);
  });

  it('has nothing to deploy for a deletion alone', () => {
    expect(planPush([upd('refs/heads/main', ZERO)])).toEqual({ deploy: undefined, rejections: [] });
  });
});
