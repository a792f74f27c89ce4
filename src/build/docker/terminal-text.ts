// Turns what a Dockerfile's RUN steps print for a terminal into plain lines for build output: the
// engine wraps stderr in red (ESC[91m … ESC[0m) and tools print colours and `\r` progress updates,
// which a log line, `git push`'s `remote:` prefix and a browser all show as garbage.
import { stripVTControlCharacters } from 'node:util';

/** The text without colours and other terminal escape sequences. */
export const withoutEscapes = (text: string): string => stripVTControlCharacters(text);

/** One line as a terminal would leave it: colours and other escape sequences gone, only the text after the last `\r`. */
export function plainLine(raw: string): string {
  const text = stripVTControlCharacters(raw);
  const last = text.replace(/\r+$/, '').lastIndexOf('\r');
  return (last === -1 ? text : text.slice(last + 1)).replace(/\r+$/, '');
}
