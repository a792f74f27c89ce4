// Closes a log segment: gzips it, streamed, and names the result with the time range of its lines.
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { closedSegmentName } from './log-segment-files.js';
import { storedLineTime } from './stored-log-line.js';

/**
 * Compresses `<dir>/<name>` into a `.log.gz` beside it and deletes the plain file; returns the new
 * name, or undefined when the segment held no readable line (it is just deleted). Written to a
 * temporary file and renamed, so a crash leaves either the plain segment or the finished one.
 */
export async function compressSegment(dir: string, name: string, firstSeq: number): Promise<string | undefined> {
  const tmp = join(dir, `${name}.gz.tmp`);
  let minTime = Infinity;
  let maxTime = -Infinity;
  let carry = '';
  const note = (raw: string) => {
    const time = storedLineTime(raw);
    const t = time === undefined ? NaN : Date.parse(time);
    if (Number.isNaN(t)) return;
    minTime = Math.min(minTime, t);
    maxTime = Math.max(maxTime, t);
  };
  // Passes the bytes through untouched and reads each complete line's time on the way.
  const timeRange = new Transform({
    decodeStrings: true,
    transform(chunk: Buffer, _enc, done) {
      const lines = (carry + chunk.toString('latin1')).split('\n');
      carry = lines.pop() ?? '';
      // The time is ASCII: no need to decode the rest of the line.
      for (const raw of lines) if (raw !== '') note(raw);
      done(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(join(dir, name)), timeRange, createGzip(), createWriteStream(tmp));
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  if (minTime === Infinity) {
    await rm(tmp, { force: true });
    await rm(join(dir, name), { force: true });
    return undefined;
  }
  const closed = closedSegmentName(firstSeq, minTime, maxTime);
  await rename(tmp, join(dir, closed));
  await rm(join(dir, name), { force: true });
  return closed;
}
