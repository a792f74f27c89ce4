import { describe, it, expect } from 'vitest';
import { IgnoreRules } from './ignore-rules.js';

const rules = (text: string, base = '') => new IgnoreRules().add(text, base);

describe('IgnoreRules', () => {
  it('skips comments and blank lines, and matches a bare name at any depth', () => {
    const r = rules('# build output\n\nnode_modules\n*.log\r\n');
    expect(r.matches('node_modules', true)).toBe(true);
    expect(r.matches('packages/a/node_modules', true)).toBe(true);
    expect(r.matches('logs/debug.log', false)).toBe(true);
    expect(r.matches('# build output', false)).toBe(false);
    expect(r.matches('src/index.js', false)).toBe(false);
  });

  it('anchors patterns with a leading or middle slash', () => {
    const r = rules('/dist\nconfig/local.json\n');
    expect(r.matches('dist', true)).toBe(true);
    expect(r.matches('web/dist', true)).toBe(false);
    expect(r.matches('config/local.json', false)).toBe(true);
    expect(r.matches('app/config/local.json', false)).toBe(false);
  });

  it('applies a trailing slash to directories only', () => {
    const r = rules('build/\n');
    expect(r.matches('build', true)).toBe(true);
    expect(r.matches('build', false)).toBe(false);
    expect(r.ignores('build/out.js', false)).toBe(true);
  });

  it('lets the last matching rule win, so "!" re-includes', () => {
    const r = rules('*.env\n!example.env\n');
    expect(r.matches('prod.env', false)).toBe(true);
    expect(r.matches('example.env', false)).toBe(false);
    expect(r.matches('config/example.env', false)).toBe(false);
  });

  it('cannot re-include a file below an excluded directory', () => {
    const r = rules('secrets/\n!secrets/public.txt\n');
    expect(r.ignores('secrets/public.txt', false)).toBe(true);
  });

  it('supports *, ? and character classes without crossing slashes', () => {
    const r = rules('/src/*.tmp\nfile?.txt\n[Tt]humbs.db\nlog[!s]\n');
    expect(r.matches('src/a.tmp', false)).toBe(true);
    expect(r.matches('src/deep/a.tmp', false)).toBe(false);
    expect(r.matches('file1.txt', false)).toBe(true);
    expect(r.matches('file10.txt', false)).toBe(false);
    expect(r.matches('a/Thumbs.db', false)).toBe(true);
    expect(r.matches('thumbs.db', false)).toBe(true);
    expect(r.matches('logx', false)).toBe(true);
    expect(r.matches('logs', false)).toBe(false);
  });

  it('understands leading, middle and trailing **', () => {
    const r = rules('**/cache\na/**/z.txt\nvendor/**\n');
    expect(r.matches('cache', true)).toBe(true);
    expect(r.matches('x/y/cache', true)).toBe(true);
    expect(r.matches('a/z.txt', false)).toBe(true);
    expect(r.matches('a/b/c/z.txt', false)).toBe(true);
    expect(r.matches('b/a/z.txt', false)).toBe(false);
    expect(r.matches('vendor/lib/x.js', false)).toBe(true);
    expect(r.matches('vendor', true)).toBe(false);
  });

  it('scopes a nested file to its directory and lets it override its parent', () => {
    const r = rules('*.generated.js\n').add('/out\n!keep.generated.js\n', 'web');
    expect(r.matches('web/out', true)).toBe(true);
    expect(r.matches('out', true)).toBe(false);
    expect(r.matches('web/keep.generated.js', false)).toBe(false);
    expect(r.matches('keep.generated.js', false)).toBe(true);
    expect(r.matches('web/other.generated.js', false)).toBe(true);
  });

  it('honours escapes and trailing spaces', () => {
    const r = rules('\\#notes\n\\!important\ntrailing   \nkeep\\ \n');
    expect(r.matches('#notes', false)).toBe(true);
    expect(r.matches('!important', false)).toBe(true);
    expect(r.matches('trailing', false)).toBe(true);
    expect(r.matches('keep ', false)).toBe(true);
    expect(r.matches('keep', false)).toBe(false);
  });

  it('treats regex characters in names literally', () => {
    const r = rules('a+b.(c)\n');
    expect(r.matches('a+b.(c)', false)).toBe(true);
    expect(r.matches('aab.(c)', false)).toBe(false);
  });
});
