// Reads the platform's own log lines to learn whether a web dyno of a new release crashed.
import type { BerthClient } from '../client/berth-client.js';

/**
 * While the previous release keeps serving, the dyno list shows its healthy `web.1` and can hide
 * the new release's `web.1` waiting out a crash backoff. The platform's log does say it:
 * `berth[api]: Deploy … release v7` followed by `berth[web.1]: State changed from starting to crashed`.
 * Returns the crashed dyno's name, or undefined.
 */
export async function crashedAfterRelease(client: BerthClient, app: string, version: number): Promise<string | undefined> {
  const session = await client.createLogSession(app, { lines: 500, tail: false, source: 'berth' });
  let released = false;
  for await (const line of client.followLines(session.logplex_url)) {
    if (/ berth\[api\]: .*\brelease v(\d+)$/.exec(line)?.[1] === String(version)) released = true;
    else if (/ berth\[api\]: .*\brelease v\d+$/.test(line)) released = false;
    const crash = / berth\[(web\.\d+)\]: State changed from \w+ to crashed$/.exec(line);
    if (released && crash) return crash[1];
  }
  return undefined;
}
