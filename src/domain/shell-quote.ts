// One word for a POSIX shell, kept exactly as it is: the one quoting rule for every command line
// Berth writes for a shell to read (a one-off's words, an image's ENTRYPOINT + CMD, `config --shell`).

/** Characters a word may hold unquoted: none of them splits, globs or expands. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Plain words stay as they are; anything else in single quotes, a quote itself closed, escaped, reopened. */
export function shellQuote(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
