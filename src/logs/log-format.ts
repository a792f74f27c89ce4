// Heroku's log line shape: `2026-11-21T22:00:00.123456+00:00 app[web.1]: message`.
import type { LogLine } from './log-sink.js';

/** Splits a written message into text lines; a single trailing newline does not make an empty line. */
export function splitMessage(message: string): string[] {
  const lines = message.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Heroku prints times with microseconds and a numeric offset. Berth's clock has millisecond
 * precision, so the last three digits are zero; `seq` is what orders lines within a millisecond.
 */
export function formatLogTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/** `app[web.1]`, `router`, `build`, `berth[api]`: the bracket holds the dyno when there is one. */
export function formatLogPrefix(line: Pick<LogLine, 'source' | 'dyno'>): string {
  return line.dyno === '' ? line.source : `${line.source}[${line.dyno}]`;
}

/** One formatted text line per line of the message (a stored line normally has exactly one). */
export function formatLogLines(line: LogLine): string[] {
  const head = `${formatLogTime(line.time)} ${formatLogPrefix(line)}: `;
  return splitMessage(line.message).map((text) => head + text);
}

/** The line as Heroku prints it; a multi-line message becomes several lines joined by `\n`. */
export function formatLogLine(line: LogLine): string {
  return formatLogLines(line).join('\n');
}
