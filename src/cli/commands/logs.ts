// logs: recent lines of an app's log, or a live tail (`-t`) until Ctrl-C, as `heroku logs`.
import { StreamDroppedError } from '../../client/line-stream.js';
import type { LogSessionRequest } from '../../client/api-types.js';
import { CliError, UsageError, defineCommand } from '../command.js';
import { stringFlag } from '../parse-input.js';

const SOURCES = ['app', 'router', 'build', 'berth'];

export const logs = defineCommand({
  name: 'logs',
  description: 'display recent log output, or follow it live with --tail',
  needsApp: true,
  flags: {
    num: { type: 'string', short: 'n', description: 'number of recent lines to display (default 100)', valueName: 'N' },
    tail: { type: 'boolean', short: 't', description: 'keep streaming new lines until Ctrl-C' },
    source: { type: 'string', short: 's', description: `only lines from this source: ${SOURCES.join(', ')}`, valueName: 'SOURCE' },
    dyno: { type: 'string', short: 'd', description: 'only lines of this process type or dyno (web, web.1)', valueName: 'DYNO' },
  },
  examples: ['berth logs -a demo', 'berth logs -t -s router -a demo', 'berth logs -n 500 -d web.1 -a demo'],
  async run(ctx, input) {
    const numFlag = stringFlag(input, 'num');
    const lines = numFlag === undefined ? 100 : Number(numFlag);
    if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`-n must be a whole number, got ${numFlag}.`);
    const source = stringFlag(input, 'source');
    if (source !== undefined && !SOURCES.includes(source)) throw new UsageError(`--source must be one of ${SOURCES.join(', ')}, got ${source}.`);
    const dyno = stringFlag(input, 'dyno');
    const tail = input.flags.tail === true;
    const app = await ctx.app(input);
    const client = ctx.client();

    const request: LogSessionRequest = { lines, tail };
    if (source) request.source = source;
    if (dyno) request.dyno = dyno;
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
    await follow({ ...request, lines: 0 });
    throw new CliError('The log stream ended again after reconnecting; run the command again to resume.');
  },
});
