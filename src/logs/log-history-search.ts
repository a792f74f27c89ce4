// Searches one app's log history: newest segments first, each streamed, keeping only the newest matches.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { matchesFilter } from './log-filter.js';
import { segmentsOf, type SegmentFile } from './log-segment-files.js';
import { HISTORY_LINES_MAX, type HistoryPage, type HistoryQuery, type LogLine } from './log-sink.js';
import { RingBuffer } from './ring-buffer.js';
import { segmentLines } from './segment-lines.js';
import { parseStoredLine } from './stored-log-line.js';

/**
 * The newest `query.lines` matching lines of the app's history in `dir`, oldest first. Memory is
 * bounded by that count whatever the window: a segment is read as a stream into a ring of the lines
 * still wanted, and older segments are not read once enough are found (`stoppedEarly` then says
 * older matches may exist). Closed segments outside the window are skipped by their names.
 */
export async function searchLogHistory(dir: string, appId: string, query: HistoryQuery): Promise<HistoryPage> {
  const wanted = Math.max(0, Math.min(Math.floor(query.lines), HISTORY_LINES_MAX));
  const segments = segmentsOf(await readdir(dir).catch(notFoundAsEmpty)).filter((s) => mayHold(s, query)).reverse();
  const since = query.since === undefined ? undefined : new Date(query.since).toISOString();
  const until = query.until === undefined ? undefined : new Date(query.until).toISOString();
  // Stored lines are JSON: the grep text as JSON escapes it is in the raw line whenever the message
  // holds it, so most lines are skipped without being parsed (the parsed message is checked after).
  const rawNeedle = query.grep === undefined ? undefined : JSON.stringify(query.grep).slice(1, -1);
  const matches = (line: LogLine): boolean =>
    (query.throughSeq === undefined || line.seq <= query.throughSeq)
    && (since === undefined || line.time >= since) && (until === undefined || line.time <= until)
    && (query.grep === undefined || line.message.includes(query.grep)) && matchesFilter(line, query);

  let found: LogLine[] = [];
  for (let i = 0; i < segments.length && found.length < wanted; i++) {
    const need = wanted - found.length;
    const ring = new RingBuffer<LogLine>(need);
    let matched = 0;
    for await (const raw of readSegment(dir, segments[i] as SegmentFile)) {
      if (rawNeedle !== undefined && !raw.includes(rawNeedle)) continue;
      const line = parseStoredLine(appId, raw);
      if (!line || !matches(line)) continue;
      ring.push(line);
      matched++;
    }
    found = [...ring.toArray(), ...found];
    if (matched > need || (found.length === wanted && i < segments.length - 1)) return { lines: found, stoppedEarly: true };
  }
  return { lines: found, stoppedEarly: false };
}

/** Whether a segment can hold lines of the query's window (an open one always can). */
function mayHold(s: SegmentFile, q: HistoryQuery): boolean {
  if (q.throughSeq !== undefined && s.firstSeq > q.throughSeq) return false;
  if (s.kind === 'open') return true;
  return (q.since === undefined || s.maxTime >= q.since) && (q.until === undefined || s.minTime <= q.until);
}

/**
 * The segment's lines. The open segment may be closed (gzipped, renamed) between the listing and the
 * read, and any closed one deleted by the retention: the first is read under its new name, the
 * second counts as empty — its lines are gone for everyone.
 */
async function* readSegment(dir: string, s: SegmentFile): AsyncGenerator<string> {
  try {
    yield* segmentLines(join(dir, s.name), s.kind === 'closed');
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    if (s.kind === 'closed') return;
  }
  const closed = segmentsOf(await readdir(dir).catch(notFoundAsEmpty)).find((c) => c.kind === 'closed' && c.firstSeq === s.firstSeq);
  if (closed) yield* segmentLines(join(dir, closed.name), true);
}

function notFoundAsEmpty(e: NodeJS.ErrnoException): string[] {
  if (e.code === 'ENOENT') return [];
  throw e;
}

