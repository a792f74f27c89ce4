// The directory an archive is being unpacked into, and the memory of what each path
// became. Knowing which paths are symlinks lets every write refuse to go through one,
// which is what keeps `link -> /etc` followed by `link/passwd` from escaping.
import { constants } from 'node:fs';
import { chmod, link, lstat, mkdir, open, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { entrySegments, symlinkClimb, unsafeTarball } from './tarball-paths.js';

type Kind = 'directory' | 'file' | 'symlink';

interface SymlinkRecord { name: string; target: string; climb: number; parentDepth: number }

// O_EXCL refuses any existing path, symlinks included, and O_NOFOLLOW says so twice:
// a file is only ever created fresh, never opened through a link.
const CREATE_FRESH = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export class ExtractionTree {
  private readonly kinds = new Map<string, Kind>();
  private readonly symlinks: SymlinkRecord[] = [];

  constructor(private readonly root: string) {}

  async directory(segments: readonly string[], name: string): Promise<void> {
    await this.prepareParents(segments, name);
    if (await this.clear(segments, name, 'directory') !== 'directory') {
      await mkdir(this.abs(segments), { mode: 0o755 });
    }
    // Always 0755: a 0000 directory in the archive would block its own children.
    await chmod(this.abs(segments), 0o755);
    this.kinds.set(key(segments), 'directory');
  }

  /** Writes data to a new regular file; `onChunk` may throw to abort (byte limits). */
  async file(segments: readonly string[], name: string, data: AsyncIterable<Buffer>, mode: number, onChunk: (bytes: number) => void): Promise<void> {
    await this.prepareParents(segments, name);
    await this.clear(segments, name, 'file');
    // Only the executable bit survives; ownership and setuid/setgid/sticky never do.
    const finalMode = (mode & 0o111) !== 0 ? 0o755 : 0o644;
    const handle = await open(this.abs(segments), CREATE_FRESH, 0o600);
    this.kinds.set(key(segments), 'file');
    try {
      for await (const chunk of data) {
        onChunk(chunk.length);
        await handle.write(chunk);
      }
      await handle.chmod(finalMode);
    } finally {
      await handle.close();
    }
  }

  async symlink(segments: readonly string[], name: string, target: string): Promise<void> {
    const climb = symlinkClimb(name, target);
    const parentDepth = segments.length - 1;
    if (climb > parentDepth) {
      throw unsafeTarball(`symlink ${JSON.stringify(name)} -> ${JSON.stringify(target)} points outside the source`);
    }
    await this.prepareParents(segments, name);
    await this.clear(segments, name, 'symlink');
    await symlink(target, this.abs(segments));
    this.kinds.set(key(segments), 'symlink');
    this.symlinks.push({ name, target, climb, parentDepth });
  }

  async hardlink(segments: readonly string[], name: string, linkname: string): Promise<void> {
    const target = entrySegments(linkname, `hardlink ${JSON.stringify(name)} target`);
    // Only a regular file this archive already wrote: never a path outside, never a
    // symlink (link(2) would then alias whatever it points at), never itself.
    if (this.kinds.get(key(target)) !== 'file' || key(target) === key(segments)) {
      throw unsafeTarball(`hardlink ${JSON.stringify(name)} -> ${JSON.stringify(linkname)} does not point to a regular file extracted earlier`);
    }
    await this.prepareParents(segments, name);
    await this.clear(segments, name, 'file');
    await link(this.abs(target), this.abs(segments));
    this.kinds.set(key(segments), 'file');
  }

  /**
   * Stripping the top directory moves every entry one level up, so a symlink that
   * climbed exactly to the archive root would then point just outside the source.
   */
  checkSymlinksOneLevelUp(): void {
    for (const s of this.symlinks) {
      if (s.climb > s.parentDepth - 1) {
        throw unsafeTarball(`symlink ${JSON.stringify(s.name)} -> ${JSON.stringify(s.target)} would point outside the source once the top-level directory is stripped`);
      }
    }
  }

  /** Makes sure every parent of the entry is a real directory we control. */
  private async prepareParents(segments: readonly string[], name: string): Promise<void> {
    for (let depth = 1; depth < segments.length; depth++) {
      const parent = segments.slice(0, depth);
      const kind = this.kinds.get(key(parent));
      if (kind === 'directory') continue;
      if (kind === 'symlink') {
        throw unsafeTarball(`entry ${JSON.stringify(name)} would be written through the symlink ${JSON.stringify(key(parent))}`);
      }
      if (kind === 'file') {
        throw unsafeTarball(`entry ${JSON.stringify(name)} is inside ${JSON.stringify(key(parent))}, which is a file`);
      }
      await mkdir(this.abs(parent), { mode: 0o755 }).catch(async (err: NodeJS.ErrnoException) => {
        // Nothing but us writes here, but trust the disk over the map if they disagree.
        if (err.code !== 'EEXIST' || !(await lstat(this.abs(parent))).isDirectory()) throw err;
      });
      this.kinds.set(key(parent), 'directory');
    }
  }

  /**
   * Makes room for an entry at a path an earlier entry may have used. A later entry
   * replaces an earlier non-directory (tar's append semantics); a directory is never
   * replaced, nor replaced by one, so the parents already checked stay directories.
   */
  private async clear(segments: readonly string[], name: string, kind: Kind): Promise<Kind | undefined> {
    const existing = this.kinds.get(key(segments));
    if (existing === undefined) return undefined;
    if (existing === 'directory' || kind === 'directory') {
      if (existing === kind) return existing;
      throw unsafeTarball(`entry ${JSON.stringify(name)} conflicts with an earlier ${existing} at the same path`);
    }
    await unlink(this.abs(segments));
    this.kinds.delete(key(segments));
    return undefined;
  }

  private abs(segments: readonly string[]): string {
    return join(this.root, ...segments);
  }
}

function key(segments: readonly string[]): string {
  return segments.join('/');
}
