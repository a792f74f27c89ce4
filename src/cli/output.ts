// Writing results the way Heroku's CLI does: `=== headers`, aligned key/value lists, tables, JSON.

export interface Writer { write(chunk: string): unknown; isTTY?: boolean; columns?: number }

export class Output {
  constructor(private readonly stdout: Writer, private readonly stderr: Writer) {}

  /** Whether stderr is a terminal, where progress can redraw one line instead of printing many. */
  get interactive(): boolean {
    return this.stderr.isTTY === true;
  }

  /** Width of the stderr terminal (80 when unknown). */
  get columns(): number {
    return this.stderr.columns || 80;
  }

  /** Redraws the current stderr line (progress bars); only meaningful when `interactive`. */
  redraw(text: string): void {
    this.stderr.write(`\r${text}\x1b[K`);
  }

  /** Text as it comes, no newline added (a one-off dyno's output). */
  raw(text: string, to: 'stdout' | 'stderr' = 'stdout'): void {
    (to === 'stdout' ? this.stdout : this.stderr).write(text);
  }

  line(text = ''): void {
    this.stdout.write(text + '\n');
  }

  /** Progress and notices go to stderr so stdout stays clean for pipes (as Heroku's `action`). */
  info(text: string): void {
    this.stderr.write(text + '\n');
  }

  /** Text without a newline on stderr, for prompts. */
  prompt(text: string): void {
    this.stderr.write(text);
  }

  /** One error line, Heroku's style. */
  error(message: string): void {
    this.stderr.write(` ▸    ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  }

  warn(message: string): void {
    this.stderr.write(` ▸    ${message}\n`);
  }

  /**
   * Runs one step and reports `Label... done` on stderr. The line is written once the step
   * ends, so a failure leaves only the single error line behind.
   */
  async action<T>(label: string, step: () => Promise<T>, done: (result: T) => string = () => 'done'): Promise<T> {
    const result = await step();
    this.info(`${label}... ${done(result)}`);
    return result;
  }

  header(text: string): void {
    this.line(`=== ${text}`);
  }

  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /** `Key:   value` lines with the values aligned. */
  styledObject(obj: Record<string, string | number | boolean | null | undefined>): void {
    // Absent values are left out rather than printed as empty lines.
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined && obj[k] !== '');
    const width = Math.max(0, ...keys.map((k) => k.length + 1));
    for (const k of keys) {
      const v = obj[k];
      this.line(`${(k + ':').padEnd(width)} ${v === null ? '' : String(v)}`.trimEnd());
    }
  }

  table<T>(rows: readonly T[], columns: ReadonlyArray<{ header: string; get: (row: T) => string }>): void {
    this.line(renderTable(rows, columns));
  }
}

export function renderTable<T>(rows: readonly T[], columns: ReadonlyArray<{ header: string; get: (row: T) => string }>): string {
  const cells = rows.map((r) => columns.map((c) => c.get(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const fmt = (vals: string[]) => ' ' + vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(columns.map((c) => c.header)), fmt(widths.map((w) => '─'.repeat(w))), ...cells.map(fmt)].join('\n');
}

/** Heroku prints apps as `⬢ name`. */
export const appLabel = (name: string): string => `⬢ ${name}`;

/** Heroku's date format in lists: `2024/01/31 13:45:00 +0000`. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
