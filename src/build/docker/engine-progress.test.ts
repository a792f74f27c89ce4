import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { followProgress } from './engine-progress.js';

/** What Docker Engine 20.10 sent for a two-step build whose second RUN fails (recorded, one event per chunk). */
const RECORDED = [
  { stream: 'Step 1/3 : FROM berth/stack:24' }, { stream: '\n' }, { stream: ' ---> 1d3c8abb02ba\n' },
  { stream: "Step 2/3 : RUN printf 'partial '; sleep 1; printf 'rest\\n'" }, { stream: '\n' }, { stream: ' ---> Running in e99a586fd6f3\n' },
  { stream: '\u001b[32mgreen\u001b[0m line\npartial ' }, { stream: 'rest\n10%\r50%\r100%\n' },
  { stream: 'Removing intermediate container e99a586fd6f3\n' },
  { stream: 'Step 3/3 : RUN echo failing >&2; exit 3' }, { stream: '\n' }, { stream: ' ---> Running in d0f8baaaaa6e\n' },
  { stream: '\u001b[91mfailing\n\u001b[0m' },
  { errorDetail: { code: 3, message: "The command '/bin/sh -c echo failing >&2; exit 3' returned a non-zero code: 3" }, error: 'x' },
];

async function follow(events: object[]): Promise<{ lines: string[]; error?: string }> {
  const lines: string[] = [];
  const stream = Readable.from(events.map((e) => `${JSON.stringify(e)}\r\n`));
  const error = await followProgress(stream, (l) => lines.push(l)).then(() => undefined, (e: Error) => e.message);
  return { lines, error };
}

describe('followProgress', () => {
  it('gives whole plain lines: no colour codes, no line split where the engine split its chunks, progress as its last state', async () => {
    const { lines, error } = await follow(RECORDED);
    expect(lines).toEqual([
      'Step 1/3 : FROM berth/stack:24', ' ---> 1d3c8abb02ba',
      "Step 2/3 : RUN printf 'partial '; sleep 1; printf 'rest\\n'", ' ---> Running in e99a586fd6f3',
      'green line', 'partial rest', '100%', 'Removing intermediate container e99a586fd6f3',
      'Step 3/3 : RUN echo failing >&2; exit 3', ' ---> Running in d0f8baaaaa6e', 'failing',
    ]);
    expect(lines.join('\n')).not.toContain('\u001b');
    expect(error).toBe("The command '/bin/sh -c echo failing >&2; exit 3' returned a non-zero code: 3");
  });

  it('ends a last line without a newline, and keeps status lines apart from step output', async () => {
    const { lines } = await follow([{ stream: 'half a line' }, { status: 'Pulling fs layer', id: 'abc' }, { stream: 'tail' }]);
    expect(lines).toEqual(['half a line', 'abc: Pulling fs layer', 'tail']);
  });
});
