// logs: recent lines of an app's log, or a live tail (`-t`) until Ctrl-C, as `heroku logs`; with
// --since/--until/--grep, a search of the app's log history kept on disk.
import { StreamDroppedError } from '../../client/line-stream.js';
import type { LogSessionRequest } from '../../client/api-types.js';
import { parseTimeBound } from '../../domain/time-bounds.js';
import { CliError, UsageError, defineCommand } from '../command.js';
import { stringFlag } from '../parse-input.js';

const SOURCES = ['app', 'router', 'build', 'berth'];

export const logs = defineCommand({
  name: 'logs',
  description: 'display recent log output, or follow it live with --tail',
  needsApp: true,
  flags: {
    num: { type: 'string', short: 'n', description: 'number of recent lines to display (default 100; a search shows the newest N, default and at most 10000)', valueName: 'N' },
    tail: { type: 'boolean', short: 't', description: 'keep streaming new lines until Ctrl-C' },
    source: { type: 'string', short: 's', description: `only lines from this source: ${SOURCES.join(', ')}`, valueName: 'SOURCE' },
    dyno: { type: 'string', short: 'd', description: 'only lines of this process type or dyno (web, web.1)', valueName: 'DYNO' },
    since: { type: 'string', description: 'search the history from this time: 2h, 30m, 7d ago, or ISO 8601 (2026-11-30T06:00:00Z)', valueName: 'TIME' },
    until: { type: 'string', description: 'search the history up to this time (same forms as --since)', valueName: 'TIME' },
    grep: { type: 'string', description: 'search the history for lines whose message contains TEXT (case-sensitive)', valueName: 'TEXT' },
  },
  examples: [
    'berth logs -a demo', 'berth logs -t -s router -a demo', 'berth logs -n 500 -d web.1 -a demo',
    'berth logs --since 2h --until 1h --grep status=500 -s router -a demo', 'berth logs --since 10m -t -a demo',
  ],
  async run(ctx, input) {
    const numFlag = stringFlag(input, 'num');
    const lines = numFlag === undefined ? 100 : Number(numFlag);
    if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`-n must be a whole number, got ${numFlag}.`);
    const now = Date.now();
    const since = timeFlag(stringFlag(input, 'since'), '--since', now);
    const until = timeFlag(stringFlag(input, 'until'), '--until', now);
    const grep = stringFlag(input, 'grep');
    if (grep === '') throw new UsageError('--grep needs some text to look for.');
    const search = since !== undefined || until !== undefined || grep !== undefined;
    const source = stringFlag(input, 'source');
    if (source !== undefined && !SOURCES.includes(source)) throw new UsageError(`--source must be one of ${SOURCES.join(', ')}, got ${source}.`);
    const dyno = stringFlag(input, 'dyno');
    const tail = input.flags.tail === true;
    if (tail && until !== undefined) throw new UsageError('--until cannot be used with --tail: a tail follows new lines.');
    const app = await ctx.app(input);
    const client = ctx.client();

    // A search without -n shows as many lines as the server allows (it says so when it stopped early).
    const request: LogSessionRequest = search && numFlag === undefined ? { tail } : { lines, tail };
    if (source) request.source = source;
    if (dyno) request.dyno = dyno;
    if (since) request.since = since;
    if (until) request.until = until;
    if (grep !== undefined) request.grep = grep;
    const follow = async (req: LogSessionRequest): Promise<boolean> => {
      const session = await client.createLogSession(app, req);
      try {
        for await (const line of client.followLines(session.logplex_url)) ctx.out.line(line);
        return true;
      } catch (e) {
        if (e instanceof StreamDroppedError) return false;
        throw e;
      }
    };

    const completed = await follow(request);
    if (!tail) {
      if (!completed) ctx.out.warn('The log stream was interrupted; the output above may be incomplete.');
      return;
    }
    // A tail only ends when the connection does (server restart, proxy timeout). Like Heroku,
    // reconnect once, asking for no history so no line is printed twice.
    ctx.out.warn('Log stream ended; reconnecting...');
    const { since: _searched, until: _until, ...live } = request;
    await follow({ ...live, lines: 0 });
    throw new CliError('The log stream ended again after reconnecting; run the command again to resume.');
  },
});

/** `2h` (ago) or an ISO 8601 time, sent as an ISO 8601 time: the window is the user's, not the server's clock's. */
function timeFlag(value: string | undefined, flag: string, now: number): string | undefined {
  if (value === undefined) return undefined;
  const ms = parseTimeBound(value, now);
  if (ms === undefined) throw new UsageError(`${flag} must be a duration ago (90s, 15m, 2h, 7d) or an ISO 8601 time, got ${value}.`);
  return new Date(ms).toISOString();
}
