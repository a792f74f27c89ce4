// Reads a log segment as raw text lines, streamed: gunzipped on the fly, never the whole file in memory.
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * The segment's text lines in order (without the newline). A last line without its newline is a
 * write a crash cut short (or one still under way): it is not yielded. Breaking out of the loop
 * closes the file. Rejects with the file's error (ENOENT when it went away meanwhile).
 */
export async function* segmentLines(path: string, gzipped: boolean): AsyncGenerator<string> {
  const file = createReadStream(path);
  // pipeline destroys every stream on an error and hands it to the last one, whose iteration throws it.
  const input: Readable = gzipped ? pipeline(file, createGunzip(), () => undefined /* surfaced by the iteration */) : file;
  // Decoded as a stream, so a character split between two chunks stays whole.
  input.setEncoding('utf8');
  let carry = '';
  try {
    for await (const chunk of input) {
      const text = carry + (chunk as string);
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) if (line !== '') yield line;
    }
  } finally {
    input.destroy();
    file.destroy();
  }
}
