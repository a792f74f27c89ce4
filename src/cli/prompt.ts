// Asking for input: visible and hidden prompts on a terminal, plain lines from a pipe.
import { createInterface } from 'node:readline';
import type { Writer } from './output.js';

export type Stdin = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/** Reads up to `count` lines from a non-terminal stdin (`printf 'me@x\npw\n' | berth login`). */
export async function readLines(stdin: Stdin, count: number): Promise<string[]> {
  const rl = createInterface({ input: stdin, terminal: false });
  const lines: string[] = [];
  try {
    for await (const line of rl) {
      lines.push(line.replace(/\r$/, ''));
      if (lines.length >= count) break;
    }
  } finally {
    rl.close();
    stdin.pause();
  }
  return lines;
}

export async function promptVisible(stdin: Stdin, stderr: Writer, question: string): Promise<string> {
  stderr.write(question);
  const [line] = await readLines(stdin, 1);
  return line ?? '';
}

/** Reads a line from a terminal without echoing it; Ctrl-C aborts. */
export function promptHidden(stdin: Stdin, stderr: Writer, question: string): Promise<string> {
  stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const finish = (err?: Error) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string | Buffer) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new Error('Aborted.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
