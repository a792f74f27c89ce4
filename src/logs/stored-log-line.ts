// How one log line is stored on disk: one JSON object per text line, the app id implied by the folder.
import { LOG_SOURCES, type LogLine } from './log-sink.js';

export const encodeStoredLine = (l: LogLine): string =>
  JSON.stringify({ seq: l.seq, time: l.time, source: l.source, dyno: l.dyno, message: l.message }) + '\n';

/** The line, or undefined for a torn or foreign one (a crash mid-write): readers skip those. */
export function parseStoredLine(appId: string, raw: string): LogLine | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LogLine>;
    if (typeof v.seq !== 'number' || typeof v.time !== 'string' || typeof v.dyno !== 'string' || typeof v.message !== 'string') return undefined;
    if (!LOG_SOURCES.includes(v.source as LogLine['source'])) return undefined;
    return { seq: v.seq, time: v.time, appId, source: v.source as LogLine['source'], dyno: v.dyno, message: v.message };
  } catch {
    return undefined;
  }
}
