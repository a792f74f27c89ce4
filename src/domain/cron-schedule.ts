// A cron schedule as crontab(5) writes it (five fields: minute hour day-of-month month day-of-week,
// or one of the @yearly … @hourly shorthands), always in UTC, and the next time it is due. The
// parsing and the calendar arithmetic are croner's (Vixie cron's rules, including the
// day-of-month/day-of-week "or"); what is Berth's is which patterns an app.json may use.
import { Cron } from 'croner';

export interface CronSchedule {
  /** As written in app.json, for listings. */
  readonly text: string;
  /** The first due minute strictly after `afterMs` (epoch ms, UTC), or undefined if it never comes again. */
  nextAfter(afterMs: number): number | undefined;
}

const SHORTHANDS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MINUTE = 60_000;

/** Parses a schedule; throws an Error whose message says what is wrong (the caller words it for its context). */
export function parseCronSchedule(text: string): CronSchedule {
  const trimmed = text.trim();
  if (trimmed === '@reboot') throw new Error('@reboot is not supported: a release runs its jobs on a schedule, not at boot');
  if (trimmed.startsWith('@')) {
    if (!SHORTHANDS.has(trimmed.toLowerCase())) throw new Error(`unknown shorthand ${trimmed} (use @yearly, @monthly, @weekly, @daily, @hourly or five fields)`);
  } else {
    // croner also takes a seconds field (six or seven); crontab, and so app.json, has five.
    const fields = trimmed.split(/\s+/).length;
    if (fields !== 5) throw new Error(`a schedule has five fields (minute hour day-of-month month day-of-week), got ${fields}`);
  }
  let cron: Cron;
  try {
    // sloppyRanges: `5/20` is "from 5, every 20", as in Vixie cron.
    cron = new Cron(trimmed.toLowerCase(), { timezone: 'UTC', paused: true, sloppyRanges: true });
  } catch (e) {
    throw new Error((e as Error).message.replace(/^CronPattern: /, ''));
  }
  const schedule: CronSchedule = {
    text: trimmed,
    nextAfter(afterMs) {
      // Due times are whole minutes: from the end of the minute `afterMs` falls in.
      const next = cron.nextRun(new Date(Math.floor(afterMs / MINUTE) * MINUTE + MINUTE - 1));
      return next ? next.getTime() : undefined;
    },
  };
  if (schedule.nextAfter(Date.UTC(2000, 0, 1)) === undefined) throw new Error(`${trimmed} never comes (no such date)`);
  return schedule;
}
