// Makes a venv built in the build dir work where the slug runs (/app): scripts' shebangs and the
// activate files name the build dir, and a .profile.d script puts the venv first on PATH.
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeAppFile } from '../../app-files.js';

export async function relocateVenv(buildDir: string, appRoot: string): Promise<void> {
  const from = path.join(buildDir, '.venv');
  const to = path.posix.join(appRoot, '.venv');
  const binDir = path.join(from, 'bin');
  for (const name of await readdir(binDir)) {
    const st = await lstat(path.join(binDir, name));
    if (!st.isFile() || st.size > 1024 * 1024) continue; // symlinks (python itself) and binaries stay as they are
    const text = await readFile(path.join(binDir, name), 'latin1');
    if (!text.includes(from)) continue;
    await writeAppFile(buildDir, `.venv/bin/${name}`, text.split(from).join(to), st.mode & 0o777);
  }
  // Heroku's runtime sources .profile.d/*.sh before a process starts; this is where PATH comes from.
  await writeAppFile(buildDir, '.profile.d/python.sh', `export VIRTUAL_ENV="${to}"\nexport PATH="${to}/bin:$PATH"\n`);
}
