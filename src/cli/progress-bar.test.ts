import { describe, expect, it } from 'vitest';
import { Output } from './output.js';
import { ProgressBar, renderProgress } from './progress-bar.js';

const sink = (isTTY: boolean) => {
  const s = { text: '', isTTY, columns: 80, write(c: string) { s.text += c; } };
  return s;
};

describe('ProgressBar', () => {
  it('draws a bar that fills with the bytes sent', () => {
    expect(renderProgress('Uploading source', 0, 2048, 80)).toMatch(/\[ +\]   0%/);
    expect(renderProgress('Uploading source', 1024, 2048, 80)).toMatch(/\[=+> +\]  50%  1\.0 KB\/2\.0 KB$/);
    expect(renderProgress('Uploading source', 2048, 2048, 80)).toMatch(/\[=+\] 100%/);
  });

  it('redraws one line on a terminal', () => {
    const err = sink(true);
    const bar = new ProgressBar(new Output(sink(false), err), 'Uploading source');
    bar.update(2048, 2048);
    bar.finish(2048);
    expect(err.text).toContain('\r');
    expect(err.text).toContain('Uploading source (2 KB)... done\n');
  });

  it('prints a single line when stderr is not a terminal', () => {
    const err = sink(false);
    const bar = new ProgressBar(new Output(sink(false), err), 'Uploading source');
    bar.update(0, 5000);
    bar.update(5000, 5000);
    bar.finish(5000);
    expect(err.text).toBe('Uploading source (5 KB)... done\n');
  });
});
