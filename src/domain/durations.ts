// Durations as people write them on a command line or in a query string: `90s`, `30m`, `2h`, `7d`.

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of `<whole number><s|m|h|d>`, or undefined for anything else (no zero, no sign, no fractions). */
export function parseDuration(text: string): number | undefined {
  const m = /^([1-9]\d{0,6})([smhd])$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

/** The shortest way to write a duration: 600000 → `10m`. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) if (ms % UNIT_MS[unit]! === 0) return `${ms / UNIT_MS[unit]!}${unit}`;
  return `${Math.round(ms / 1000)}s`;
}
