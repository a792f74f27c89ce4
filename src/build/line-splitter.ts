// Turns a stream of output chunks into whole lines, so build output is streamed line by line.

export interface LineSplitter {
  push(chunk: string): void;
  /** Emits a last line that had no newline. */
  flush(): void;
}

export function lineSplitter(emit: (line: string) => void): LineSplitter {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const parts = pending.split(/\r?\n/);
      pending = parts.pop() ?? '';
      for (const line of parts) emit(line);
    },
    flush() {
      if (pending !== '') emit(pending);
      pending = '';
    },
  };
}
