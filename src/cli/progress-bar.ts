// A one-line progress bar on a terminal's stderr, e.g. for `berth deploy`'s upload.
import { formatBytes, type Output } from './output.js';

/** `[=======>     ]  45%  1.2 MB/2.6 MB`, fitted to `width` columns. */
export function renderProgress(label: string, done: number, total: number, width: number): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const tail = ` ${String(Math.round(ratio * 100)).padStart(3)}%  ${formatBytes(done)}/${formatBytes(total)}`;
  const barWidth = Math.max(10, Math.min(40, width - label.length - tail.length - 4));
  const filled = Math.round(ratio * barWidth);
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (filled === barWidth ? '=' : '>') : '') + ' '.repeat(barWidth - filled);
  return `${label} [${bar}]${tail}`;
}

/**
 * Draws progress only when stderr is a terminal; otherwise it stays silent until `finish`,
 * which prints one `Label (N KB)... done` line so logs and CI output stay readable.
 */
export class ProgressBar {
  private lastDraw = 0;

  constructor(private readonly out: Output, private readonly label: string) {}

  update(done: number, total: number): void {
    if (!this.out.interactive) return;
    // Redrawing on every chunk would flood a slow terminal; ~20 frames a second is smooth enough.
    const now = Date.now();
    if (done < total && now - this.lastDraw < 50) return;
    this.lastDraw = now;
    this.out.redraw(renderProgress(this.label, done, total, this.out.columns));
  }

  finish(total: number, result = 'done'): void {
    const line = `${this.label} (${formatKb(total)})... ${result}`;
    if (this.out.interactive) this.out.redraw(line + '\n');
    else this.out.info(line);
  }
}

const formatKb = (bytes: number): string => `${Math.max(1, Math.round(bytes / 1024))} KB`;
