// Filesystem moves of a build: the cache in and out of the workspace, the finished slug into place.
import { cp, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Moves a tree; across filesystems (EXDEV) it copies to a hidden sibling first so dest appears whole or not at all. */
export async function moveTree(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await rename(from, to);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
  }
  const partial = path.join(path.dirname(to), `.${path.basename(to)}.partial`);
  try {
    await cp(from, partial, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await rename(partial, to);
  } catch (e) {
    await rm(partial, { recursive: true, force: true });
    throw e;
  }
  await rm(from, { recursive: true, force: true });
}

/** Apparent size of a tree in bytes, symlinks counted as themselves. */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await treeSize(full);
    else total += (await lstat(full)).size;
  }
  return total;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)}K`;
  return `${(bytes / 1024 / 1024).toFixed(1)}M`;
}
