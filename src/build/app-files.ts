// Reading and writing files in an app's build dir as root without following the app's symlinks:
// a Procfile linked to /etc/shadow must not end up in the API, nor a write land outside the slug.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

const NOFOLLOW = constants.O_NOFOLLOW;

/** Resolves rel under dir, refusing `..` escapes. */
function inside(dir: string, rel: string): string {
  const full = path.resolve(dir, rel);
  if (full !== dir && !full.startsWith(dir + path.sep)) throw new Error(`${rel} is outside the app`);
  return full;
}

/** Throws if any directory between dir and the file is a symlink. */
async function assertNoSymlinkParents(dir: string, full: string): Promise<void> {
  let cur = dir;
  for (const part of path.relative(dir, path.dirname(full)).split(path.sep).filter(Boolean)) {
    cur = path.join(cur, part);
    const st = await fs.lstat(cur).catch(() => undefined);
    if (st?.isSymbolicLink()) throw new Error(`${path.relative(dir, cur)} is a symlink`);
  }
}

/** The file's text, or undefined when it does not exist. A symlink or a non-file is an error. */
export async function readAppFile(dir: string, rel: string): Promise<string | undefined> {
  const full = inside(dir, rel);
  await assertNoSymlinkParents(dir, full);
  let handle;
  try {
    handle = await fs.open(full, constants.O_RDONLY | NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') throw new Error(`${rel} is a symlink; Berth reads it only as a regular file`);
    throw e;
  }
  try {
    if (!(await handle.stat()).isFile()) throw new Error(`${rel} is not a regular file`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Whether rel exists in dir as a regular file (not through a symlink). */
export async function isAppFile(dir: string, rel: string): Promise<boolean> {
  const st = await fs.lstat(inside(dir, rel)).catch(() => undefined);
  return st?.isFile() ?? false;
}

/** Writes rel (creating its directories), refusing to follow any symlink on the way. */
export async function writeAppFile(dir: string, rel: string, content: string, mode = 0o644): Promise<void> {
  const full = inside(dir, rel);
  await assertNoSymlinkParents(dir, full);
  await fs.mkdir(path.dirname(full), { recursive: true });
  await assertNoSymlinkParents(dir, full);
  const handle = await fs.open(full, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW, mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}
