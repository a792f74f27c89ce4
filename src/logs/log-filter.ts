// Heroku's log filters: by source, and by dyno name or process type.
import type { LogFilter, LogLine } from './log-sink.js';

/** `dyno: 'web.1'` matches exactly; `dyno: 'web'` matches `web.1`, `web.2`, … as `heroku logs --dyno web` does. */
export function matchesFilter(line: LogLine, filter: LogFilter): boolean {
  if (filter.source !== undefined && line.source !== filter.source) return false;
  if (filter.dyno !== undefined && filter.dyno !== '') {
    if (line.dyno !== filter.dyno && !line.dyno.startsWith(filter.dyno + '.')) return false;
  }
  return true;
}
