// The common subset of gitignore syntax, used for .gitignore and Heroku's .slugignore:
// comments, blank lines, `!` negation, `/` anchoring, trailing `/` for directories,
// `*`, `?`, `[...]`, `**`, and backslash escapes. Paths are POSIX and relative.

interface IgnoreRule {
  /** Directory (relative, '' for the root) of the file the rule came from. */
  base: string;
  negate: boolean;
  dirOnly: boolean;
  regex: RegExp;
}

export class IgnoreRules {
  private readonly rules: IgnoreRule[] = [];

  /**
   * Adds the patterns of one ignore file found in directory `base`. Rules added
   * later win over earlier ones, so add parent directories' files first, as git
   * lets a deeper .gitignore override its parents.
   */
  add(text: string, base = ''): this {
    for (const line of text.split('\n')) {
      const rule = parseLine(line, base.replace(/\/+$/, ''));
      if (rule) this.rules.push(rule);
    }
    return this;
  }

  /**
   * Whether this one path is excluded by the rules, the last matching rule deciding.
   * Does not look at parent directories: a walker that never enters an excluded
   * directory needs no more, and this is what git does too.
   */
  matches(path: string, isDir: boolean): boolean {
    let ignored = false;
    for (const rule of this.rules) {
      if (rule.dirOnly && !isDir) continue;
      const local = relativeTo(rule.base, path);
      if (local === undefined || !rule.regex.test(local)) continue;
      ignored = !rule.negate;
    }
    return ignored;
  }

  /**
   * Whether the path is excluded, itself or because a parent directory is: once a
   * directory is excluded git never looks inside, so `!` cannot re-include below it.
   */
  ignores(path: string, isDir: boolean): boolean {
    const segments = path.split('/').filter((s) => s !== '');
    for (let depth = 1; depth < segments.length; depth++) {
      if (this.matches(segments.slice(0, depth).join('/'), true)) return true;
    }
    return this.matches(segments.join('/'), isDir);
  }
}

function relativeTo(base: string, path: string): string | undefined {
  if (base === '') return path;
  return path.startsWith(`${base}/`) ? path.slice(base.length + 1) : undefined;
}

function parseLine(raw: string, base: string): IgnoreRule | undefined {
  let line = raw.replace(/\r$/, '');
  if (line === '' || line.startsWith('#')) return undefined;
  line = trimTrailingSpaces(line);
  let negate = false;
  if (line.startsWith('!')) { negate = true; line = line.slice(1); }
  let dirOnly = false;
  if (line.endsWith('/') && !line.endsWith('\\/')) { dirOnly = true; line = line.replace(/\/+$/, ''); }
  if (line === '') return undefined;
  // A slash at the start or in the middle ties the pattern to the file's directory;
  // without one it matches a name at any depth below it.
  const anchored = line.includes('/');
  if (line.startsWith('/')) line = line.slice(1);
  const body = globToRegex(line);
  return { base, negate, dirOnly, regex: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`) };
}

/** Trailing spaces are ignored unless escaped with a backslash. */
function trimTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === ' ' && line[end - 2] !== '\\') end--;
  return line.slice(0, end);
}

function globToRegex(glob: string): string {
  let out = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      const atStart = i === 0 || glob[i - 1] === '/';
      const atEnd = i + 2 === glob.length;
      if (atStart && glob[i + 2] === '/') { out += '(?:.*/)?'; i += 3; continue; } // `**/`: any leading dirs
      if (atStart && atEnd) { out += '.*'; i += 2; continue; } // `/**`: everything inside
      out += '[^/]*'; i += 2; continue; // any other `**` is an ordinary `*`
    }
    if (c === '*') { out += '[^/]*'; i++; continue; }
    if (c === '?') { out += '[^/]'; i++; continue; }
    if (c === '[') {
      const cls = charClass(glob, i);
      if (cls) { out += cls.regex; i = cls.end; continue; }
    }
    if (c === '\\' && i + 1 < glob.length) { out += escapeRegex(glob[i + 1] as string); i += 2; continue; }
    out += escapeRegex(c);
    i++;
  }
  return out;
}

/** `[abc]`, `[a-z]`, `[!x]` / `[^x]`; an unclosed `[` is a literal character. */
function charClass(glob: string, start: number): { regex: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (glob[i] === '!' || glob[i] === '^') { negate = true; i++; }
  let body = '';
  let first = true;
  while (i < glob.length && (glob[i] !== ']' || first)) {
    const c = glob[i] as string;
    body += c === '\\' || c === ']' || c === '[' || c === '^' ? `\\${c}` : c;
    first = false;
    i++;
  }
  if (i >= glob.length) return undefined;
  return { regex: `(?!/)[${negate ? '^' : ''}${body}]`, end: i + 1 };
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
