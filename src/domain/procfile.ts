// Reads a Procfile the way Heroku does: `type: command` lines, blank and `#` lines skipped.
import { BerthError } from './errors.js';
import { isProcessType, processTypeProblem } from './names.js';
import type { ProcessTypes } from './types.js';

const LINE_PATTERN = /^([^:\s]*)\s*:(.*)$/;

/**
 * Parses Procfile text into process types. The command is kept verbatim (trimmed): it runs
 * through `bash -c` inside the instance, so quoting and a trailing `# comment` are the shell's.
 *
 * A type declared twice keeps its last command, as Heroku's parser (which fills a hash line by
 * line) does; an app that deploys on Heroku must deploy here too. Heroku silently drops lines it
 * cannot parse; we refuse them instead, because a typo there means a process that never runs.
 * `release` is an ordinary type at this level; the deploy pipeline gives it its meaning.
 */
export function parseProcfile(text: string): ProcessTypes {
  // A Map, so that no line can reach an object prototype whatever its type name.
  const types = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const lineNo = i + 1;
    const match = LINE_PATTERN.exec(line);
    if (!match) {
      throw procfileError(lineNo, `expected "<process type>: <command>", got ${JSON.stringify(clip(line))}`);
    }
    const type = match[1] ?? '';
    const command = (match[2] ?? '').trim();
    if (!isProcessType(type)) throw procfileError(lineNo, processTypeProblem(clip(type)));
    if (command === '') throw procfileError(lineNo, `process type "${type}" has no command`);
    types.set(type, command);
  });
  return Object.fromEntries(types);
}

function procfileError(lineNo: number, detail: string): BerthError {
  return new BerthError('invalid_params', `Procfile line ${lineNo}: ${detail}.`, 'procfile');
}

const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
