// Turns `berth run`'s arguments back into the one command line a dyno runs through a shell, as
// the heroku CLI does: a single argument is a command line already (`berth run "rake test"`);
// several are words, each kept as one word by quoting it when the shell would split or expand it.
import { shellQuote } from '../domain/shell-quote.js';

export function commandLineOf(args: readonly string[]): string {
  if (args.length === 1) return args[0]!.trim();
  return args.map(shellQuote).join(' ').trim();
}
