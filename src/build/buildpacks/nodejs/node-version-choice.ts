// Which Node.js release an app gets: the newest one its package.json `engines.node` range allows,
// or, without a range, the newest release of the current LTS line.
import semver from 'semver';
import { BerthError } from '../../../domain/errors.js';
import type { NodeRelease, NodeReleaseList } from './node-releases.js';

export interface NodeReleaseChoice {
  release: NodeRelease;
  /** For the build output: `engines.node "22.x" → 22.12.0` or `no engines.node → 22.x LTS 22.12.0`. */
  reason: string;
}

/**
 * Node.js makes an even major a Current release in April and promotes it to LTS in October, six
 * months later. The registry does not say which line is LTS, so the rule is: the newest even major
 * whose first published release is at least this old.
 */
export const LTS_AGE_MS = 183 * 24 * 60 * 60 * 1000;

const stable = (releases: NodeRelease[]): NodeRelease[] => releases.filter((r) => semver.valid(r.version) && !semver.prerelease(r.version));

/** The current LTS major under the rule above. */
export function ltsMajor(releases: NodeRelease[], now: number): number | undefined {
  const firstPublished = new Map<number, number>();
  const majors = new Set<number>();
  for (const r of stable(releases)) {
    const major = semver.major(r.version);
    majors.add(major);
    if (r.publishedAt !== undefined) firstPublished.set(major, Math.min(firstPublished.get(major) ?? Infinity, r.publishedAt));
  }
  const even = [...majors].filter((m) => m % 2 === 0).sort((a, b) => b - a);
  if (firstPublished.size === 0) {
    // A registry mirror that keeps no publish times: the newest even major that a newer major
    // has followed (the odd one released when it went LTS), else the newest even major.
    const newest = Math.max(...majors);
    return even.find((m) => m < newest) ?? even[0];
  }
  return even.find((m) => (firstPublished.get(m) ?? Infinity) <= now - LTS_AGE_MS);
}

/** The newest release of each of the newest majors, newest first, for messages: `26.x (26.12.1)`. */
export function newestMajors(releases: NodeRelease[], count = 3): string[] {
  const newest = new Map<number, string>();
  for (const r of stable(releases)) {
    const m = semver.major(r.version);
    const cur = newest.get(m);
    if (!cur || semver.gt(r.version, cur)) newest.set(m, r.version);
  }
  return [...newest.entries()].sort((a, b) => b[0] - a[0]).slice(0, count).map(([m, v]) => `${m}.x (${v})`);
}

/** `engines` is package.json's field as found: anything, since it comes from the app. */
export function chooseNodeRelease(engines: unknown, list: NodeReleaseList, now: number): NodeReleaseChoice {
  const releases = stable(list.releases);
  const where = `${list.packageName} on ${list.registry}`;
  if (releases.length === 0) throw new BerthError('build_failed', `The npm registry lists no Node.js releases (${where}).`);
  const range = typeof engines === 'object' && engines !== null ? (engines as Record<string, unknown>).node : undefined;

  if (range === undefined || range === '') {
    const lts = ltsMajor(releases, now);
    const release = lts === undefined ? undefined : best(releases, `${lts}.x`);
    if (!release) throw new BerthError('build_failed', `No LTS line of Node.js found in ${where}; set engines.node in package.json, e.g. "${newestMajors(releases, 1)[0]?.split(' ')[0]}".`);
    return { release, reason: `no engines.node → ${lts}.x LTS ${release.version}` };
  }
  if (typeof range !== 'string') throw new BerthError('build_failed', 'engines.node in package.json must be a string, such as "22.x".');
  if (semver.validRange(range) === null) {
    throw new BerthError('build_failed', `engines.node ${JSON.stringify(range)} in package.json is not a semver range (examples: "22.x", ">=20 <23", "^22.12").`);
  }
  const release = best(releases, range);
  if (!release) {
    throw new BerthError('build_failed',
      `engines.node ${JSON.stringify(range)} in package.json matches no Node.js release (${where}). ` +
      `The newest majors are ${newestMajors(releases).join(', ')}.`);
  }
  return { release, reason: `engines.node ${JSON.stringify(range)} → ${release.version}` };
}

function best(releases: NodeRelease[], range: string): NodeRelease | undefined {
  const version = semver.maxSatisfying(releases.map((r) => r.version), range);
  return version === null ? undefined : releases.find((r) => r.version === version);
}
