// Turns `berth run`'s arguments back into the one command line a dyno runs through a shell, as
// the heroku CLI does: a single argument is a command line already (`berth run "rake test"`);
// several are words, each kept as one word by quoting it when the shell would split or expand it.

/** Characters a shell word may contain unquoted without being split, globbed or expanded. */
const PLAIN_WORD = /^[A-Za-z0-9_\-+=.,:/@%^]+$/;

export function commandLineOf(args: readonly string[]): string {
  if (args.length === 1) return args[0]!.trim();
  return args.map(quoteWord).join(' ').trim();
}

/** POSIX single quotes keep every character literal; a quote itself is closed, escaped, reopened. */
function quoteWord(word: string): string {
  if (PLAIN_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
