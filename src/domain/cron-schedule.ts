// A cron schedule as crontab(5) writes it (five fields: minute hour day-of-month month day-of-week,
// or one of the @yearly … @hourly shorthands), always in UTC, and the next time it is due.
// Written here rather than taken from npm because no cron parser is installed yet (see docs/app-json.md);
// it is small and the tests beside it pin Vixie cron's rules, including the day-of-month/day-of-week "or".

export interface CronSchedule {
  /** As written in app.json, for listings. */
  readonly text: string;
  /** The first due minute strictly after `afterMs` (epoch ms, UTC), or undefined if it never comes again. */
  nextAfter(afterMs: number): number | undefined;
}

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field { name: string; min: number; max: number; names?: readonly string[]; namesFrom?: number }
const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  // 7 is Sunday too, as in Vixie cron.
  { name: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];
const MINUTE = 60_000;
/** Long enough for the rarest real schedule (29 February on a given weekday recurs within 28 years). */
const SEARCH_YEARS = 30;

/** Parses a schedule; throws an Error whose message says what is wrong (the caller words it for its context). */
export function parseCronSchedule(text: string): CronSchedule {
  const trimmed = text.trim();
  if (trimmed === '@reboot') throw new Error('@reboot is not supported: a release runs its jobs on a schedule, not at boot');
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed;
  if (expanded.startsWith('@')) throw new Error(`unknown shorthand ${trimmed} (use @yearly, @monthly, @weekly, @daily, @hourly or five fields)`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) throw new Error(`a schedule has five fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  const sets = parts.map((p, i) => parseField(p, FIELDS[i]!));
  const [minutes, hours, doms, months, dows] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (dows.has(7)) dows.add(0);
  // Vixie cron: when both day fields are restricted, a day matching either one is due.
  const domRestricted = !parts[2]!.startsWith('*');
  const dowRestricted = !parts[4]!.startsWith('*');
  const dayMatches = (d: Date): boolean => {
    const dom = doms.has(d.getUTCDate());
    const dow = dows.has(d.getUTCDay());
    if (domRestricted && dowRestricted) return dom || dow;
    return dom && dow;
  };
  const schedule: CronSchedule = {
    text: trimmed,
    nextAfter(afterMs) {
      const t = new Date(Math.floor(afterMs / MINUTE) * MINUTE + MINUTE);
      const limit = t.getUTCFullYear() + SEARCH_YEARS;
      // Each step jumps to the start of the next month, day, hour or minute that could match.
      while (t.getUTCFullYear() <= limit) {
        if (!months.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!dayMatches(t)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0, 0);
        } else if (!hours.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
        } else if (!minutes.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
        } else {
          return t.getTime();
        }
      }
      return undefined;
    },
  };
  if (schedule.nextAfter(Date.UTC(2000, 0, 1)) === undefined) throw new Error(`${trimmed} never comes (no such date)`);
  return schedule;
}

function parseField(text: string, f: Field): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(item);
    if (!m) throw new Error(`${f.name}: ${JSON.stringify(item)} is not a value, range, list or step`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1 || step > f.max) throw new Error(`${f.name}: step ${m[2]} is out of range`);
    let lo: number;
    let hi: number;
    if (m[1] === '*') {
      lo = f.min;
      hi = f.name === 'day of week' ? 6 : f.max;
    } else {
      const [a, b] = m[1]!.split('-');
      lo = value(a!, f);
      // `5/15` means from 5 to the end in steps of 15, as in Vixie cron.
      hi = b !== undefined ? value(b, f) : m[2] !== undefined ? f.max : lo;
      if (hi < lo) throw new Error(`${f.name}: range ${m[1]} runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function value(text: string, f: Field): number {
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + f.namesFrom!;
  if (!/^\d+$/.test(text)) throw new Error(`${f.name}: ${JSON.stringify(text)} is not a number${f.names ? ' or a name' : ''}`);
  const n = Number(text);
  if (n < f.min || n > f.max) throw new Error(`${f.name}: ${n} is outside ${f.min}–${f.max}`);
  return n;
}
