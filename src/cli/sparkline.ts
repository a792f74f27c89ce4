// A sparkline: a series as one line of block characters (▁▂▃▄▅▆▇█), scaled from the series' own
// lowest to highest value so its shape reads at a glance (the table beside it gives the numbers);
// a gap where nothing was measured.

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/** At most `width` characters: longer series are averaged into that many cells. A flat series is all ▁ at zero, all ▄ above it. */
export function sparkline(values: ReadonlyArray<number | null>, width = values.length): string {
  const cells = squeeze(values, Math.max(1, width));
  const known = cells.filter((v): v is number => v !== null);
  if (known.length === 0) return ' '.repeat(cells.length);
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  return cells.map((v) => {
    if (v === null) return ' ';
    if (hi === lo) return hi > 0 ? BLOCKS[3] : BLOCKS[0];
    return BLOCKS[Math.min(BLOCKS.length - 1, Math.floor(((v - lo) / (hi - lo)) * BLOCKS.length))];
  }).join('');
}

function squeeze(values: ReadonlyArray<number | null>, width: number): Array<number | null> {
  if (values.length <= width) return [...values];
  return Array.from({ length: width }, (_, i) => {
    const part = values.slice(Math.floor((i * values.length) / width), Math.floor(((i + 1) * values.length) / width)).filter((v): v is number => v !== null);
    return part.length === 0 ? null : part.reduce((a, b) => a + b, 0) / part.length;
  });
}
