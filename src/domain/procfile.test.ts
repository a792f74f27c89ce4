import { describe, it, expect } from 'vitest';
import { parseProcfile } from './procfile.js';
import { BerthError } from './errors.js';

function errorOf(text: string): BerthError {
  try {
    parseProcfile(text);
  } catch (e) {
    if (e instanceof BerthError) return e;
    throw e;
  }
  throw new Error('expected parseProcfile to throw');
}

describe('parseProcfile', () => {
  it('reads type: command lines and skips blank and comment lines', () => {
    const text = '# the app\n\nweb: node server.js\n  # indented comment\nworker:   python worker.py --queue=default  \n';
    expect(parseProcfile(text)).toEqual({ web: 'node server.js', worker: 'python worker.py --queue=default' });
  });

  it('keeps the command verbatim, including a trailing comment and colons', () => {
    const text = 'web: bundle exec puma -b tcp://0.0.0.0:$PORT # the shell drops this\n';
    expect(parseProcfile(text).web).toBe('bundle exec puma -b tcp://0.0.0.0:$PORT # the shell drops this');
  });

  it('accepts CRLF line endings and a byte-order mark', () => {
    expect(parseProcfile('\uFEFFweb: a\r\nclock: b\r\n')).toEqual({ web: 'a', clock: 'b' });
  });

  it('treats release like any other process type', () => {
    expect(parseProcfile('release: ./migrate\nweb: ./serve')).toEqual({ release: './migrate', web: './serve' });
  });

  it('lets the last declaration of a type win, as Heroku does', () => {
    expect(parseProcfile('web: first\nweb: second\n')).toEqual({ web: 'second' });
  });

  it('allows digits, dashes and underscores in type names', () => {
    expect(parseProcfile('worker_2-low: run')).toEqual({ 'worker_2-low': 'run' });
  });

  it('rejects a line without a colon, naming the line number', () => {
    const e = errorOf('web: ok\n\njust some words\n');
    expect(e.code).toBe('invalid_params');
    expect(e.message).toContain('line 3');
    expect(e.message).toContain('just some words');
  });

  it('rejects an invalid process type name', () => {
    const e = errorOf('web.1: node x');
    expect(e.message).toMatch(/line 1: invalid process type "web\.1"/);
    expect(errorOf('a-type-name-that-is-much-too-long-for-heroku: x').message).toContain('invalid process type');
    expect(errorOf(': node x').message).toContain('invalid process type');
  });

  it('refuses names of JavaScript object properties instead of dropping or inheriting them', () => {
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const e = errorOf(`web: ./serve\n${type}: ./evil\n`);
      expect(e.message, type).toContain('line 2: ');
      expect(e.message, type).toContain(`process type ${JSON.stringify(type)}`);
    }
  });

  it('refuses upper-case letters and a leading digit, dash or underscore', () => {
    for (const type of ['Web', '1web', '-web', '_web']) expect(errorOf(`${type}: x`).message, type).toContain('invalid process type');
  });

  it('rejects a process type without a command', () => {
    expect(errorOf('web:   \n').message).toBe('Procfile line 1: process type "web" has no command.');
  });

  it('returns no process types for an empty Procfile', () => {
    expect(parseProcfile('\n# nothing\n')).toEqual({});
  });
});
