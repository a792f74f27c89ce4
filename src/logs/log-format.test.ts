import { describe, expect, it } from 'vitest';
import { formatLogLine, formatLogLines } from './log-format.js';
import type { LogLine } from './log-sink.js';

const line = (over: Partial<LogLine>): LogLine => ({
  seq: 1, time: '2026-11-21T22:00:00.123Z', appId: 'a', source: 'app', dyno: 'web.1', message: 'hello', ...over,
});

// Heroku: `2026-11-21T22:00:00.123456+00:00 app[web.1]: message`
const HEROKU_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00 [a-z]+(\[[A-Za-z0-9_.-]+\])?: /;

describe('formatLogLine', () => {
  it("prints Heroku's shape: microsecond UTC time, source[dyno], message", () => {
    const text = formatLogLine(line({}));
    expect(text).toMatch(HEROKU_LINE);
    expect(text).toBe('2026-11-21T22:00:00.123000+00:00 app[web.1]: hello');
  });

  it('brackets the dyno only when there is one', () => {
    expect(formatLogLine(line({ source: 'router', dyno: '', message: 'at=info method=GET path="/"' }))).toBe(
      '2026-11-21T22:00:00.123000+00:00 router: at=info method=GET path="/"',
    );
    expect(formatLogLine(line({ source: 'build', dyno: '' }))).toMatch(/ build: hello$/);
    expect(formatLogLine(line({ source: 'berth', dyno: 'api' }))).toMatch(/ berth\[api\]: hello$/);
  });

  it('splits a multi-line message into one prefixed line per text line', () => {
    const lines = formatLogLines(line({ message: 'Error: boom\r\n    at main (index.js:1)\n' }));
    expect(lines).toEqual([
      '2026-11-21T22:00:00.123000+00:00 app[web.1]: Error: boom',
      '2026-11-21T22:00:00.123000+00:00 app[web.1]:     at main (index.js:1)',
    ]);
    for (const l of formatLogLine(line({ message: 'a\nb' })).split('\n')) expect(l).toMatch(HEROKU_LINE);
  });
});

describe('stored log lines', () => {
  it('are the JSON of the line, whatever its message holds, and give their time without a full parse', async () => {
    const { encodeStoredLine, parseStoredLine, storedLineTime } = await import('./stored-log-line.js');
    for (const message of ['plain', 'quotes " and \\ backslash', 'tab\tand\u0001control', 'ünïcödé ✓ 🚀', '{"json":"inside"}', '']) {
      const line = { seq: 42, time: '2026-11-30T06:00:00.123Z', appId: 'a1', source: 'app' as const, dyno: 'web.1', message };
      const raw = encodeStoredLine(line);
      expect(raw).toBe(JSON.stringify({ seq: 42, time: line.time, source: 'app', dyno: 'web.1', message }) + '\n');
      expect(parseStoredLine('a1', raw.trimEnd())).toEqual(line);
      expect(storedLineTime(raw.trimEnd())).toBe(line.time);
    }
    expect(storedLineTime('{"seq":2,"ti')).toBeUndefined();
  });
});
