// Splits a Dockerfile into its instructions the way the engine's parser does: parser
// directives at the top, the escape character, line continuations, comment lines.
// Heredoc bodies are not special here: their lines are read as instructions too, which can
// only add references (the engine's classic builder does not know heredocs at all).

export interface DockerfileInstruction {
  /** 1-based line the instruction starts on. */
  line: number;
  /** Lowercased, e.g. `from`, `copy`. */
  keyword: string;
  /** Everything after the keyword, continuations joined. */
  rest: string;
}

export interface ParsedDockerfile {
  /** The `# escape=` directive's character: `\` (default) or a backtick. */
  escape: string;
  /** The `# syntax=` directive (a BuildKit frontend image; the classic builder ignores it). */
  syntax?: string;
  instructions: DockerfileInstruction[];
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const isComment = (line: string) => /^[ \t]*#/.test(line);
const isBlank = (line: string) => /^[ \t]*$/.test(line);

export class DockerfileSyntaxError extends Error {}

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const directives: Record<string, string> = {};
  let first = 0;
  // Directives count only before the first comment, blank line or instruction.
  for (; first < lines.length; first++) {
    const match = DIRECTIVE.exec(lines[first]!);
    const key = match?.[1]?.toLowerCase();
    if (!match || !key || !KNOWN_DIRECTIVES.has(key)) break;
    if (key in directives) throw new DockerfileSyntaxError(`only one ${key} parser directive can be used`);
    directives[key] = match[2]!;
  }
  const escape = directives.escape ?? '\\';
  if (escape !== '\\' && escape !== '`') throw new DockerfileSyntaxError(`invalid escape token '${escape}' does not match ` + '` or \\');
  const continuation = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);

  const instructions: DockerfileInstruction[] = [];
  for (let i = first; i < lines.length; i++) {
    const start = i;
    const raw = lines[i]!.replace(/^[ \t]+/, '');
    if (isComment(raw) || isBlank(raw)) continue;
    let continued = continuation.test(raw);
    let text = raw.replace(continuation, '');
    // A continued line goes on past comment and blank lines, as in the engine's parser.
    while (continued && i + 1 < lines.length) {
      const next = lines[++i]!;
      if (isComment(next) || isBlank(next)) continue;
      continued = continuation.test(next);
      text += next.replace(continuation, '');
    }
    const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
    if (match) instructions.push({ line: start + 1, keyword: match[1]!.toLowerCase(), rest: match[2]! });
  }
  return { escape, ...(directives.syntax === undefined ? {} : { syntax: directives.syntax }), instructions };
}
