import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogHub } from './log-hub.js';
import type { LogLine } from './log-sink.js';

let dir: string;
const hubs: LogHub[] = [];
const newHub = (opts: Partial<ConstructorParameters<typeof LogHub>[0]> = {}) => {
  const hub = new LogHub({ dir, ...opts });
  hubs.push(hub);
  return hub;
};
const texts = (lines: LogLine[]) => lines.map((l) => l.message);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-logs-'));
});
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('LogHub', () => {
  it('orders lines from every source in one stream with rising sequence numbers', () => {
    const hub = newHub();
    hub.write('app1', 'build', '', 'compiling');
    hub.write('app1', 'app', 'web.1', 'listening');
    hub.write('app1', 'router', '', 'GET /');
    hub.write('app1', 'berth', 'api', 'Scaled to web@2');
    const lines = hub.recent('app1', { lines: 100 });
    expect(lines.map((l) => `${l.source}:${l.message}`)).toEqual(['build:compiling', 'app:listening', 'router:GET /', 'berth:Scaled to web@2']);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect(hub.recent('other', { lines: 100 })).toEqual([]);
  });

  it('keeps the time a line was written elsewhere (a router line delivered late), in stream order', () => {
    const hub = newHub();
    hub.write('app1', 'app', 'web.1', 'now');
    hub.write('app1', 'router', '', 'GET / during the outage', '2026-01-02T03:04:05.000Z');
    const lines = hub.recent('app1', { lines: 100 });
    expect(lines.map((l) => [l.seq, l.message])).toEqual([[1, 'now'], [2, 'GET / during the outage']]);
    expect(lines[1]!.time).toBe('2026-01-02T03:04:05.000Z');
  });

  it('stores a multi-line message as one line per text line', () => {
    const hub = newHub();
    hub.write('app1', 'build', '', '-----> Installing\n       done\n');
    expect(texts(hub.recent('app1', { lines: 10 }))).toEqual(['-----> Installing', '       done']);
  });

  it('keeps the last 1,500 lines per app, dropping the oldest', () => {
    const hub = newHub();
    for (let i = 1; i <= 2000; i++) hub.write('app1', 'app', 'web.1', `line ${i}`);
    hub.write('app2', 'app', 'web.1', 'other app');
    const lines = hub.recent('app1', { lines: 5000 });
    expect(lines).toHaveLength(1500);
    expect(lines[0]?.message).toBe('line 501');
    expect(lines.at(-1)?.message).toBe('line 2000');
    expect(texts(hub.recent('app1', { lines: 2 }))).toEqual(['line 1999', 'line 2000']);
    expect(texts(hub.recent('app2', { lines: 100 }))).toEqual(['other app']);
  });

  it('filters by source, exact dyno, and process type', () => {
    const hub = newHub();
    hub.write('a', 'app', 'web.1', 'w1');
    hub.write('a', 'app', 'web.2', 'w2');
    hub.write('a', 'app', 'worker.1', 'k1');
    hub.write('a', 'app', 'webhook.1', 'h1');
    hub.write('a', 'router', '', 'r');
    hub.write('a', 'berth', 'api', 'b');
    expect(texts(hub.recent('a', { lines: 100, source: 'app' }))).toEqual(['w1', 'w2', 'k1', 'h1']);
    expect(texts(hub.recent('a', { lines: 100, source: 'router' }))).toEqual(['r']);
    expect(texts(hub.recent('a', { lines: 100, dyno: 'web.2' }))).toEqual(['w2']);
    expect(texts(hub.recent('a', { lines: 100, dyno: 'web' }))).toEqual(['w1', 'w2']);
    expect(texts(hub.recent('a', { lines: 1, source: 'app', dyno: 'web' }))).toEqual(['w2']);
  });

  it('keeps the buffer across a restart, and continues the sequence', async () => {
    const first = newHub();
    await first.start(new AbortController().signal);
    for (let i = 1; i <= 10; i++) first.write('app1', 'app', 'web.1', `line ${i}`);
    await first.close();

    const second = newHub();
    await second.start(new AbortController().signal);
    expect(texts(second.recent('app1', { lines: 3 }))).toEqual(['line 8', 'line 9', 'line 10']);
    second.write('app1', 'router', '', 'after restart');
    const last = second.recent('app1', { lines: 1 })[0];
    expect(last?.seq).toBe(11);
  });

  it('forgets a destroyed app: lines, file, and late writes', async () => {
    const hub = newHub();
    hub.write('gone', 'app', 'web.1', 'hello');
    await hub.flush();
    await hub.forgetApp('gone');
    hub.write('gone', 'app', 'web.1', 'late line from a stopping instance');
    await hub.flush();
    expect(hub.recent('gone', { lines: 10 })).toEqual([]);
    expect(newHub().recent('gone', { lines: 10 })).toEqual([]);
  });

  it('refuses app ids that are not safe file names', () => {
    const hub = newHub();
    expect(() => hub.write('../etc/passwd', 'app', 'web.1', 'x')).toThrow(/not a valid app id/);
  });
});

describe('LogHub.subscribe', () => {
  it('delivers live lines in order, filtered, and stops on abort', async () => {
    const hub = newHub();
    hub.write('a', 'app', 'web.1', 'before subscribing');
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const line of hub.subscribe('a', { dyno: 'web' }, ac.signal)) {
        seen.push(line.message);
        if (seen.length === 3) ac.abort();
      }
    })();
    hub.write('a', 'app', 'web.1', 'one');
    hub.write('a', 'router', '', 'not for this filter');
    hub.write('a', 'app', 'web.2', 'two');
    await Promise.resolve();
    hub.write('a', 'app', 'web.1', 'three');
    hub.write('a', 'app', 'web.1', 'after abort');
    await done;
    expect(seen).toEqual(['one', 'two', 'three']);
  });

  it('ends a waiting reader when the signal aborts', async () => {
    const hub = newHub();
    const ac = new AbortController();
    const it = hub.subscribe('a', {}, ac.signal);
    const pending = it.next();
    ac.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('never lets a reader that does not read block writers; it later sees a dropped-lines marker', async () => {
    const hub = newHub({ subscriberQueue: 1000 });
    const ac = new AbortController();
    const it = hub.subscribe('a', {}, ac.signal);
    // Writing returns although nobody reads; what the reader gets below shows that only the first
    // 1,000 lines were held for it (heap sizes are too noisy under GC to assert on directly).
    for (let i = 1; i <= 100_000; i++) hub.write('a', 'app', 'web.1', `line ${i}`);

    const got: LogLine[] = [];
    for (let i = 0; i < 1001; i++) got.push((await it.next()).value as LogLine);
    expect(got[0]?.message).toBe('line 1');
    expect(got[999]?.message).toBe('line 1000');
    expect(got[1000]?.source).toBe('berth');
    expect(got[1000]?.message).toMatch(/^Error L10 \(output buffer overflow\): 99000 messages dropped since /);

    hub.write('a', 'app', 'web.1', 'caught up');
    expect((await it.next()).value?.message).toBe('caught up');
    ac.abort();
    expect((await it.next()).done).toBe(true);
    expect(hub.recent('a', { lines: 1 })[0]?.message).toBe('caught up');
  });
});
