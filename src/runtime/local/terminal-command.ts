// A one-off on a terminal (`heroku run bash`) on the local runtime: util-linux's `script` (on every
// Debian system) opens a pseudo-terminal in the sandbox's own devpts and runs the command on it,
// through bash as every local command runs, with the app's profile already applied; `--return`
// hands back the command's exit code, and the typescript it would keep goes nowhere.
import { shellQuote } from '../../domain/shell-quote.js';

export function onTerminal(command: string): string {
  return `SHELL=/bin/bash exec script --quiet --return --command ${shellQuote(command)} /dev/null`;
}
