// The word rules of a Dockerfile as the engine applies them: leading `--flag=value` words,
// quote-aware splitting, and variable expansion of a word (quotes, the escape character,
// `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME:+word}`). Any other `$` form is left in the
// text, so a caller that refuses a remaining `$` refuses what it cannot follow.
import { DockerfileSyntaxError } from './dockerfile-lines.js';

/** Variables in scope: a name declared without a value is present but undefined (unset). */
export type ArgValues = ReadonlyMap<string, string | undefined>;

const isSpace = (c: string | undefined) => c === ' ' || c === '\t';

/** Splits on blanks outside quotes, keeping quotes and escapes in the words. */
export function splitWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === undefined && isSpace(c)) {
      if (word) words.push(word);
      word = '';
      continue;
    }
    word += c;
    if (c === escape && quote !== "'" && i + 1 < text.length) word += text[++i]!;
    else if (c === quote) quote = undefined;
    else if (quote === undefined && (c === '"' || c === "'")) quote = c;
  }
  if (word) words.push(word);
  return words;
}

/** The leading `--name=value` words (quotes removed, names lowercased) and what follows them. */
export function extractFlags(text: string): { flags: Array<{ name: string; value: string }>; rest: string } {
  const flags: Array<{ name: string; value: string }> = [];
  let rest = text.trimStart();
  for (;;) {
    const words = splitWords(rest, '\\');
    const first = words[0];
    if (first === undefined || !first.startsWith('--')) return { flags, rest };
    rest = rest.slice(rest.indexOf(first) + first.length).trimStart();
    if (first === '--') return { flags, rest };
    const plain = unquote(first.slice(2), '\\');
    const eq = plain.indexOf('=');
    flags.push(eq < 0 ? { name: plain.toLowerCase(), value: '' } : { name: plain.slice(0, eq).toLowerCase(), value: plain.slice(eq + 1) });
  }
}

/** Quote and escape removal without expansion (a `$` stays as it is). */
export const unquote = (word: string, escape: string): string => expandWord(word, undefined, escape);

/** The word as the engine reads it; with args undefined, `$` is kept literally. */
export function expandWord(word: string, args: ArgValues | undefined, escape: string): string {
  let out = '';
  let i = 0;
  while (i < word.length) {
    const c = word[i]!;
    if (c === escape) {
      out += word[i + 1] ?? '';
      i += 2;
    } else if (c === "'") {
      const end = word.indexOf("'", i + 1);
      if (end < 0) throw new DockerfileSyntaxError(`unexpected end of statement while looking for matching single-quote in ${word}`);
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      for (i++; i < word.length && word[i] !== '"'; ) {
        const d = word[i]!;
        if (d === escape && (word[i + 1] === '"' || word[i + 1] === '$' || word[i + 1] === escape)) {
          out += word[i + 1];
          i += 2;
        } else if (d === '$' && args) {
          const { value, next } = dollarValue(word, i, args);
          out += value;
          i = next;
        } else {
          out += d;
          i++;
        }
      }
      if (i >= word.length) throw new DockerfileSyntaxError(`unexpected end of statement while looking for matching double-quote in ${word}`);
      i++;
    } else if (c === '$' && args) {
      const { value, next } = dollarValue(word, i, args);
      out += value;
      i = next;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]/;
const BRACED = /^\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\+)([^$'"{}\\`]*))?\}/;

/** The expansion of the `$` at word[at]; an unfollowed form gives back a literal `$`. */
function dollarValue(word: string, at: number, args: ArgValues): { value: string; next: number } {
  const after = word.slice(at + 1);
  const braced = BRACED.exec(after);
  if (braced) {
    const set = args.get(braced[1]!);
    const value = braced[2] === ':-' ? (set ? set : braced[3]!) : braced[2] === ':+' ? (set ? braced[3]! : '') : set ?? '';
    return { value, next: at + 1 + braced[0].length };
  }
  if (after.startsWith('{')) return { value: '$', next: at + 1 };
  const name = NAME.exec(after);
  if (!name) return { value: '$', next: at + 1 };
  return { value: args.get(name[0]) ?? '', next: at + 1 + name[0].length };
}
