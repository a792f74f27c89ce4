// Durations and points in time as people type them: `90s`, `15m`, `2h`, `7d`, `1w`, or an ISO 8601 time.

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `15m`, `2h`, `7d`, `1w` (a bare number is seconds) in ms; undefined when it is none of these. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([smhdw]?)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2] || 's']!;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/**
 * A bound of a time window: a duration means that long before `nowMs` (`--since 2h`), anything
 * else must be an ISO 8601 time with a date (`2026-11-30T06:00:00Z`, `2026-11-30`). Epoch ms, or
 * undefined when the text is neither.
 */
export function parseTimeBound(text: string, nowMs: number): number | undefined {
  const ago = parseDuration(text);
  if (ago !== undefined) return nowMs - ago;
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) return undefined;
  const ms = Date.parse(text.trim());
  return Number.isNaN(ms) ? undefined : ms;
}
