// Turns an uploaded source (a file path or a byte stream, gzipped or plain tar) into
// the raw tar byte stream, with a guard that can stop decompression at any byte.
import { createReadStream } from 'node:fs';
import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface TarByteStream {
  /** Raw tar bytes; pipe it into a tar parser. */
  readonly stream: Readable;
  /** Stops reading and decompressing; safe to call more than once. */
  close(): void;
}

/**
 * Opens the input and sniffs the gzip magic bytes, so `.tar` and `.tar.gz` are both
 * accepted whatever the file is called. `checkRawBytes` sees the running total of
 * tar bytes after decompression and throws to stop a gzip bomb mid-stream: the
 * guard sits before the parser, so a bomb costs at most one inflate chunk more.
 * `onError` receives any failure of reading, inflating or the guard.
 */
export async function openTarByteStream(
  input: NodeJS.ReadableStream | string,
  checkRawBytes: (total: number) => void,
  onError: (err: Error) => void,
): Promise<TarByteStream> {
  const source = typeof input === 'string' ? createReadStream(input) : input;
  const iterator = (source as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let ended = false;
  // Two bytes are enough to tell gzip apart; a stream may deliver them separately.
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done) { ended = true; break; }
    head = Buffer.concat([head, toBuffer(next.value)]);
  }
  const raw = Readable.from(replay(head, ended, iterator, source), { objectMode: false });
  const isGzip = head[0] === 0x1f && head[1] === 0x8b;
  const guard = new ByteGuard(checkRawBytes);
  const done = (err: NodeJS.ErrnoException | null): void => { if (err) onError(err); };
  const stream = isGzip ? pipeline(raw, createGunzip(), guard, done) : pipeline(raw, guard, done);
  return {
    stream,
    close() {
      guard.destroy();
      raw.destroy();
    },
  };
}

async function* replay(
  head: Buffer,
  ended: boolean,
  iterator: AsyncIterator<Buffer | string>,
  source: NodeJS.ReadableStream,
): AsyncGenerator<Buffer> {
  try {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield toBuffer(next.value);
    }
  } finally {
    // Stopping early must release the upload (file descriptor or socket) too.
    if (!ended) (source as Partial<Readable>).destroy?.();
  }
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

class ByteGuard extends Transform {
  private total = 0;

  constructor(private readonly check: (total: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.total += chunk.length;
    try {
      this.check(this.total);
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback(null, chunk);
  }
}
