// The engine multiplexes a non-TTY container's stdout and stderr into frames: an 8-byte header
// (stream 1 or 2, three zero bytes, a 32-bit big-endian length) and the payload. This turns such
// a byte stream back into lines, in the order the frames arrived.
import type { LogChunk } from '../runtime.js';

export class LogDemuxer {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly partial = { stdout: '', stderr: '' };

  /** Feeds bytes; returns the complete lines they finish. */
  push(bytes: Buffer): LogChunk[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, bytes]) : bytes;
    const out: LogChunk[] = [];
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt32BE(4);
      if (this.buffered.length < 8 + length) break;
      const stream = this.buffered[0] === 2 ? 'stderr' : 'stdout';
      const text = this.partial[stream] + this.buffered.subarray(8, 8 + length).toString('utf8');
      this.buffered = this.buffered.subarray(8 + length);
      const lines = text.split('\n');
      this.partial[stream] = lines.pop()!;
      for (const line of lines) out.push({ stream, line: line.replace(/\r$/, '') });
    }
    return out;
  }

  /** The unterminated last lines, once the stream has ended. */
  flush(): LogChunk[] {
    const out: LogChunk[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) out.push({ stream, line: this.partial[stream] });
      this.partial[stream] = '';
    }
    return out;
  }
}

/** Splits a demultiplexed frame stream into writes to stdout and stderr, as bytes. */
export function demuxTo(source: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  let buffered: Buffer = Buffer.alloc(0);
  source.on('data', (bytes: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, bytes]) : bytes;
    while (buffered.length >= 8) {
      const length = buffered.readUInt32BE(4);
      if (buffered.length < 8 + length) break;
      (buffered[0] === 2 ? stderr : stdout).write(buffered.subarray(8, 8 + length));
      buffered = buffered.subarray(8 + length);
    }
  });
}
