// The history on disk as an operator sees it: segments rolled by the hour and by size, gzipped once
// closed, deleted past the retention or the size cap, surviving restarts and crashes.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { LogHub, type LogHubOptions } from './log-hub.js';
import type { LogLine } from './log-sink.js';

const HOUR = 3_600_000;
let dir: string;
let clock: FakeClock;
const hubs: LogHub[] = [];
const newHub = (opts: Partial<LogHubOptions> = {}) => {
  const hub = new LogHub({ dir, clock, flushDelayMs: 1, ...opts });
  hubs.push(hub);
  return hub;
};
const files = (app = 'app1') => (existsSync(join(dir, app)) ? readdirSync(join(dir, app)).sort() : []);
const texts = (lines: LogLine[]) => lines.map((l) => l.message);
const everything = async (hub: LogHub, app = 'app1') => texts((await hub.search(app, { lines: 10_000 })).lines);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-log-history-'));
  clock = new FakeClock(Date.parse('2026-11-30T10:00:00Z'));
});
afterEach(async () => {
  await Promise.all(hubs.splice(0).map(async (h) => { await h.close(); await h.settle(); }));
  rmSync(dir, { recursive: true, force: true });
});

describe('log history segments', () => {
  it('starts a new segment each hour and gzips the closed one, named with its lines\' time range', async () => {
    const hub = newHub();
    hub.write('app1', 'app', 'web.1', 'at ten');
    // Written at ten: the segment opens then (not whenever the 1 ms flush timer happens to fire).
    await hub.flush();
    await clock.advance(30 * 60_000);
    hub.write('app1', 'app', 'web.1', 'at half past ten');
    await hub.settle();
    expect(files()).toEqual([`000000000001-${Date.parse('2026-11-30T10:00:00Z')}.log`]);

    await clock.advance(35 * 60_000);
    hub.write('app1', 'app', 'web.1', 'at five past eleven');
    await hub.settle();
    const [closed, open] = files();
    expect(closed).toBe(`000000000001-${Date.parse('2026-11-30T10:00:00Z')}-${Date.parse('2026-11-30T10:30:00Z')}.log.gz`);
    expect(open).toBe(`000000000003-${Date.parse('2026-11-30T11:05:00Z')}.log`);
    const unzipped = gunzipSync(readFileSync(join(dir, 'app1', closed!))).toString('utf8').trim().split('\n');
    expect(unzipped.map((l) => JSON.parse(l).message)).toEqual(['at ten', 'at half past ten']);
    expect(await everything(hub)).toEqual(['at ten', 'at half past ten', 'at five past eleven']);
  });

  it('closes a quiet app\'s segment once its hour is over, at the next sweep', async () => {
    const hub = newHub({ sweepEveryMs: 10 * 60_000 });
    await hub.start(new AbortController().signal);
    hub.write('app1', 'app', 'web.1', 'the only line');
    await hub.settle();
    // Each sweep runs as time passes; the next waits until the last is done and sleeping again.
    for (let minutes = 0; minutes < 60; minutes += 10) {
      await waitUntil(() => clock.pendingSleeps() === 1);
      expect(files()[0]).toMatch(/\.log$/);
      await clock.advance(10 * 60_000);
    }
    await waitUntil(() => files().length === 1 && files()[0]!.endsWith('.log.gz'));
    expect(await everything(hub)).toEqual(['the only line']);
  });

  it('rolls by size, and reads every gzipped segment back in order', async () => {
    const hub = newHub({ segmentBytes: 2000 });
    for (let i = 1; i <= 200; i++) {
      hub.write('app1', 'app', 'web.1', `line ${i} ${'x'.repeat(40)}`);
      if (i % 10 === 0) await hub.flush();
    }
    await hub.settle();
    const names = files();
    expect(names.length).toBeGreaterThan(5);
    expect(names.slice(0, -1).every((n) => n.endsWith('.log.gz'))).toBe(true);
    expect(names.at(-1)).toMatch(/\.log$/);
    const all = await everything(hub);
    expect(all).toHaveLength(200);
    expect(all[0]).toMatch(/^line 1 /);
    expect(all[199]).toMatch(/^line 200 /);
  });

  it('splits one burst bigger than a segment across segments, so retention and the cap still delete in segment steps', async () => {
    const hub = newHub({ segmentBytes: 2000 });
    for (let i = 1; i <= 200; i++) hub.write('app1', 'app', 'web.1', `line ${i} ${'x'.repeat(40)}`);
    await hub.settle();
    const names = files();
    expect(names.length).toBeGreaterThan(5);
    for (const name of names.filter((n) => n.endsWith('.log'))) expect(statSync(join(dir, 'app1', name)).size).toBeLessThanOrEqual(2000);
    const all = await everything(hub);
    expect(all).toHaveLength(200);
    expect(all[199]).toMatch(/^line 200 /);
  });

  it('deletes segments whose newest line is older than the retention', async () => {
    const hub = newHub({ limits: { retentionMs: 2 * HOUR } });
    hub.write('app1', 'app', 'web.1', 'old');
    await hub.flush();
    await clock.advance(HOUR);
    hub.write('app1', 'app', 'web.1', 'an hour later');
    await hub.flush();
    await clock.advance(HOUR + 60_000);
    hub.write('app1', 'app', 'web.1', 'two hours later');
    await hub.settle();
    await hub.sweep();
    expect(await everything(hub)).toEqual(['an hour later', 'two hours later']);
    await clock.advance(2 * HOUR + 60_000);
    await hub.sweep();
    expect(await everything(hub)).toEqual([]);
    // The ring still shows them: retention is about the disk.
    expect(texts(hub.recent('app1', { lines: 10 }))).toEqual(['old', 'an hour later', 'two hours later']);
  });

  it('keeps an app under its size cap by deleting the oldest segments first', async () => {
    const cap = 20_000;
    const hub = newHub({ limits: { maxBytesPerApp: cap }, segmentBytes: 2500 });
    // Random text barely compresses, so the cap is reached quickly.
    for (let i = 1; i <= 1000; i++) {
      hub.write('app1', 'app', 'web.1', `line ${i} ${Math.random().toString(36).repeat(3)}`);
      if (i % 20 === 0) await hub.flush();
    }
    await hub.settle();
    const sizes = files().map((n) => statSync(join(dir, 'app1', n)).size);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(cap);
    const kept = await everything(hub);
    expect(kept.at(-1)).toMatch(/^line 1000 /);
    expect(kept[0]).not.toMatch(/^line 1 /);
    // What is kept is a contiguous run of the newest lines.
    const first = Number(kept[0]!.split(' ')[1]);
    expect(kept.map((t) => Number(t.split(' ')[1]))).toEqual(Array.from({ length: 1001 - first }, (_, i) => first + i));
  });

  it('survives a restart: the ring reloads from the newest segments and the sequence continues', async () => {
    const first = newHub({ segmentBytes: 3000 });
    for (let i = 1; i <= 300; i++) {
      first.write('app1', 'app', 'web.1', `line ${i}`);
      if (i % 25 === 0) await first.flush();
    }
    await first.close();
    await first.settle();
    expect(files().filter((n) => n.endsWith('.gz')).length).toBeGreaterThan(1);

    const second = newHub({ linesPerApp: 120 });
    await second.start(new AbortController().signal);
    const ring = second.recent('app1', { lines: 1000 });
    expect(ring).toHaveLength(120);
    expect(ring[0]?.message).toBe('line 181');
    expect(ring.at(-1)?.message).toBe('line 300');
    second.write('app1', 'router', '', 'after restart');
    expect(second.recent('app1', { lines: 1 })[0]?.seq).toBe(301);
    expect(await everything(second)).toHaveLength(301);
  });

  it('reloads the ring from the end of a big open segment without a torn line', async () => {
    const first = newHub();
    for (let i = 1; i <= 5000; i++) first.write('app1', 'app', 'web.1', `line ${i} ${'y'.repeat(i % 300)}`);
    await first.close();
    const [open] = files();
    writeFileSync(join(dir, 'app1', open!), '{"seq":5001,"time":"2026-11-30T10:00:00.000Z","sou', { flag: 'a' });
    const second = newHub({ linesPerApp: 10 });
    expect(texts(second.recent('app1', { lines: 10 })).map((t) => t.split(' ')[1])).toEqual(['4991', '4992', '4993', '4994', '4995', '4996', '4997', '4998', '4999', '5000']);
    second.write('app1', 'app', 'web.1', 'next');
    expect(second.recent('app1', { lines: 1 })[0]?.seq).toBe(5001);
    await second.settle();
    expect((await everything(second)).slice(-2).map((t) => t.split(' ')[0] === 'line' ? t.split(' ')[1] : t)).toEqual(['5000', 'next']);
  });

  it('skips a torn last line a crash left, and appends cleanly after it', async () => {
    mkdirSync(join(dir, 'app1'));
    const kept = JSON.stringify({ seq: 1, time: '2026-11-30T10:00:00.000Z', source: 'app', dyno: 'web.1', message: 'kept' });
    writeFileSync(join(dir, 'app1', `000000000001-${clock.now()}.log`), kept + '\n{"seq":2,"ti');
    writeFileSync(join(dir, 'app1', `000000000001-${clock.now()}.log.gz.tmp`), 'half a compression');
    const hub = newHub();
    expect(texts(hub.recent('app1', { lines: 10 }))).toEqual(['kept']);
    hub.write('app1', 'app', 'web.1', 'next');
    await hub.close();
    expect(files()).toEqual([`000000000001-${clock.now()}.log`]);
    expect(texts(newHub().recent('app1', { lines: 10 }))).toEqual(['kept', 'next']);
    expect(await everything(newHub())).toEqual(['kept', 'next']);
  });

  it('never holds more than its limit of lines for the disk; the history says how many it skipped', async () => {
    const hub = newHub({ maxPendingLines: 1000 });
    for (let i = 1; i <= 5000; i++) hub.write('app1', 'app', 'web.1', `line ${i}`);
    hub.write('app1', 'app', 'web.1', 'not behind any more');
    await hub.settle();
    const stored = await everything(hub);
    expect(stored).toHaveLength(1001);
    expect(stored[999]).toBe('line 1000');
    expect(stored[1000]).toMatch(/^Error L10 \(output buffer overflow\): 4001 messages not written to the log history since /);
    hub.write('app1', 'app', 'web.1', 'later');
    await hub.settle();
    expect((await everything(hub)).at(-1)).toBe('later');
    // The ring and live readers lost nothing.
    expect(hub.recent('app1', { lines: 1 })[0]?.message).toBe('later');
  });

  it('deletes a destroyed app\'s whole history', async () => {
    const hub = newHub({ segmentBytes: 1000 });
    for (let i = 1; i <= 100; i++) hub.write('gone', 'app', 'web.1', `line ${i} of an app about to go`);
    await hub.settle();
    expect(files('gone').length).toBeGreaterThan(0);
    await hub.forgetApp('gone');
    hub.write('gone', 'app', 'web.1', 'late line');
    await hub.flush();
    expect(existsSync(join(dir, 'gone'))).toBe(false);
  });

  it('takes over the single log file an earlier Berth kept per app', async () => {
    const line = (seq: number, message: string) => JSON.stringify({ seq, time: '2026-11-30T09:00:00.000Z', source: 'app', dyno: 'web.1', message });
    writeFileSync(join(dir, 'app1.log'), `${line(7, 'from the old file')}\n${line(8, 'its last line')}\n`);
    const hub = newHub();
    await hub.start(new AbortController().signal);
    await hub.settle();
    expect(existsSync(join(dir, 'app1.log'))).toBe(false);
    expect(texts(hub.recent('app1', { lines: 10 }))).toEqual(['from the old file', 'its last line']);
    hub.write('app1', 'app', 'web.1', 'new');
    expect(hub.recent('app1', { lines: 1 })[0]?.seq).toBe(9);
    expect(await everything(hub)).toEqual(['from the old file', 'its last line', 'new']);
  });
});

async function waitUntil(probe: () => boolean, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached');
}
