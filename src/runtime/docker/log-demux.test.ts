// The engine's multiplexed log frames back into ordered lines, however the bytes are split.
import { describe, expect, it } from 'vitest';
import { LogDemuxer } from './log-demux.js';

const frame = (stream: 1 | 2, text: string) => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('LogDemuxer', () => {
  it('yields lines in frame order, tagged by stream, across frames split anywhere', () => {
    const bytes = Buffer.concat([frame(1, 'first li'), frame(2, 'an error\n'), frame(1, 'ne\nsecond\r\n'), frame(1, 'unterminated')]);
    const demuxer = new LogDemuxer();
    const out = [];
    for (let i = 0; i < bytes.length; i += 5) out.push(...demuxer.push(bytes.subarray(i, i + 5)));
    out.push(...demuxer.flush());
    expect(out).toEqual([
      { stream: 'stderr', line: 'an error' },
      { stream: 'stdout', line: 'first line' },
      { stream: 'stdout', line: 'second' },
      { stream: 'stdout', line: 'unterminated' },
    ]);
  });
});
