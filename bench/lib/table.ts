// One result shape for every benchmark and the table it prints: Berth's figure, the peer's, and their ratio.

export interface Row {
  /** What was measured, e.g. `requests/s (50 conn)`. */
  metric: string;
  berth: number;
  /** The peer's figure in the same run; undefined when the row has no peer. */
  peer?: number;
  peerName?: string;
  unit: string;
  /** berth / peer, unless given explicitly. */
  ratio?: number;
  note?: string;
}

export interface BenchResult {
  name: string;
  title: string;
  rows: Row[];
  /** Raw figures (rounds, per-target numbers) kept in the JSON for whoever digs deeper. */
  details: Record<string, unknown>;
  error?: string;
  /** Why the benchmark (or this part of it, e.g. a runtime) did not run here. */
  skipped?: string;
}

export function rowRatio(r: Row): number | undefined {
  if (r.ratio !== undefined) return r.ratio;
  if (r.peer === undefined || r.peer === 0 || !Number.isFinite(r.peer) || !Number.isFinite(r.berth)) return undefined;
  return r.berth / r.peer;
}

export function formatNumber(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  if (abs >= 1) return n.toFixed(2);
  return n === 0 ? '0' : n.toFixed(3);
}

export function renderTable(result: BenchResult): string {
  const header = ['metric', 'Berth', 'peer', 'peer figure', 'ratio', 'unit'];
  const lines = result.rows.map((r) => {
    const q = rowRatio(r);
    return [r.metric, formatNumber(r.berth), r.peerName ?? '', r.peer === undefined ? '' : formatNumber(r.peer), q === undefined ? '' : `${q.toFixed(2)}x`, r.unit + (r.note ? `  (${r.note})` : '')];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 2 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [`== ${result.name}: ${result.title}`, fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)];
  if (result.skipped) out.push(`-- skipped: ${result.skipped}`);
  if (result.error) out.push(`!! ${result.error}`);
  return out.join('\n');
}

/** The markdown table docs/PERFORMANCE.md shows. */
export function renderMarkdown(results: BenchResult[]): string {
  const out = ['| benchmark | metric | Berth | peer | peer figure | ratio | unit |', '| --- | --- | ---: | --- | ---: | ---: | --- |'];
  for (const res of results) {
    for (const r of res.rows) {
      const q = rowRatio(r);
      out.push(`| ${res.name} | ${r.metric} | ${formatNumber(r.berth)} | ${r.peerName ?? ''} | ${r.peer === undefined ? '' : formatNumber(r.peer)} | ${q === undefined ? '' : q.toFixed(2) + '×'} | ${r.unit}${r.note ? ` (${r.note})` : ''} |`);
    }
    if (res.skipped) out.push(`| ${res.name} | skipped: ${res.skipped.replace(/\|/g, '/')} | | | | | |`);
    if (res.error) out.push(`| ${res.name} | failed: ${res.error.replace(/\|/g, '/').split('\n')[0]} | | | | | |`);
  }
  return out.join('\n');
}
