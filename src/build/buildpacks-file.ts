// A `.buildpacks` file at the source's root (heroku-buildpack-multi's format, which Dokku reads
// too): one buildpack per line, in the order they run; blank lines and `#` comments skipped.
import { BerthError } from '../domain/errors.js';
import { readAppFile } from './app-files.js';

/** The buildpacks the file names, or undefined when there is no `.buildpacks` (or it names none). */
export async function readBuildpacksFile(sourceDir: string): Promise<string[] | undefined> {
  let text: string | undefined;
  try {
    text = await readAppFile(sourceDir, '.buildpacks');
  } catch (e) {
    throw new BerthError('build_failed', `.buildpacks: ${(e as Error).message}`);
  }
  if (text === undefined) return undefined;
  const names = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const [i, name] of names.entries()) {
    if (name.length > 500 || /\s/.test(name)) throw new BerthError('build_failed', `.buildpacks line ${i + 1}: one buildpack (a name, https git URL or directory) per line.`);
  }
  return names.length > 0 ? names : undefined;
}
