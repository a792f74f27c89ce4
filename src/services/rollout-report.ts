// How the end of a deploy reads in build output (and so in `git push` and `berth deploy`): the
// release's stored rollout put into words. Lines starting ` !` are problems (Heroku's convention).
import type { Release } from '../domain/types.js';

export function rolloutLines(appName: string, version: number, release: Release | undefined, waitedMs: number): string[] {
  if (!release) return [` !     The app was destroyed during the deploy.`];
  const { state, reason } = release.rollout;
  switch (state) {
    case 'live':
      return [`       Released v${version}: live`];
    case 'failed':
      // One line: what the pusher should do about it is the verdict's line (`git push`, `berth deploy`).
      return [` !     Release v${version} failed: ${reason ?? 'no reason given'}`];
    case 'superseded':
      return [` !     Release v${version} was ${reason ?? 'superseded before it went live'}`];
    default:
      return [
        ` !     Release v${version} is still rolling out (${state}) after ${Math.round(waitedMs / 1000)} s;`,
        ` !     follow it with \`berth releases:info v${version} -a ${appName}\` and \`berth logs -a ${appName}\``,
      ];
  }
}
