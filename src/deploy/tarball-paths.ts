// Pure checks on the names inside an uploaded source archive: which entry paths and
// link targets are allowed, decided from the archive text alone, before touching disk.
import { BerthError } from '../domain/errors.js';

/** Every refusal of an uploaded archive; api/ maps `unsafe_tarball` to 422 invalid_params. */
export function unsafeTarball(message: string): BerthError {
  return new BerthError('unsafe_tarball', message, 'source');
}

/**
 * Turns an entry name into its path segments relative to the archive root.
 * `./a//b/` becomes `['a', 'b']`; the root itself (`./`) becomes `[]`.
 * Any `..` is refused outright, not resolved: a legitimate source archive never
 * needs one, and resolving it lexically would be wrong once symlinks exist.
 */
export function entrySegments(name: string, what = 'entry'): string[] {
  if (name.includes('\0')) throw unsafeTarball(`${what} ${JSON.stringify(name)} contains a NUL byte`);
  if (name.startsWith('/')) throw unsafeTarball(`${what} ${JSON.stringify(name)} is an absolute path`);
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw unsafeTarball(`${what} ${JSON.stringify(name)} contains a ".." path segment`);
  return segments;
}

/**
 * How far a symlink target climbs (its leading `..` count), after checking that it
 * only ever climbs first and then descends. That shape is what makes the check
 * independent of entry order: the link's own directory is a real directory (no
 * entry is ever written through a symlink), so climbing from it is plain path
 * arithmetic, and descending can only reach other links that obey the same rule.
 * `a/../b` style targets are refused because `a` may be (or later become) a link.
 */
export function symlinkClimb(entry: string, target: string): number {
  const quoted = `symlink ${JSON.stringify(entry)} -> ${JSON.stringify(target)}`;
  if (target === '' || target.includes('\0')) throw unsafeTarball(`${quoted} has an empty or invalid target`);
  if (target.startsWith('/')) throw unsafeTarball(`${quoted} points to an absolute path outside the source`);
  let climb = 0;
  let descended = false;
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') { descended = true; continue; }
    if (descended) throw unsafeTarball(`${quoted} climbs with ".." after descending; only leading ".." segments are allowed`);
    climb++;
  }
  return climb;
}

/** The single directory every entry sits under, or undefined when there is none. */
export function singleTopDir(entries: ReadonlyArray<{ segments: readonly string[]; type: string }>): string | undefined {
  let top: string | undefined;
  for (const { segments, type } of entries) {
    const first = segments[0];
    if (first === undefined) continue; // the root entry itself
    if (top === undefined) top = first;
    if (first !== top) return undefined;
    if (segments.length === 1 && type !== 'directory') return undefined;
  }
  return top;
}
