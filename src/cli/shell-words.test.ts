import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandLineOf } from './shell-words.js';

/** What bash hands the program as argv when it runs the command line. */
const wordsAfterShell = (line: string): string[] =>
  JSON.parse(execFileSync('/bin/bash', ['-c', line], { env: { PATH: process.env.PATH } }).toString());

const printArgv = ['node', '-e', 'console.log(JSON.stringify(process.argv.slice(1)))'];

describe('commandLineOf', () => {
  it('takes a single argument as the command line it already is', () => {
    expect(commandLineOf(['rake test && echo "$DYNO"'])).toBe('rake test && echo "$DYNO"');
  });

  it('keeps each of several arguments one word, whatever it contains', () => {
    const words = ['console.log(process.env.DYNO)', "it's", 'a b', '$HOME', '*', '"quoted"', 'semi;colon', '', 'plain-word'];
    expect(wordsAfterShell(commandLineOf([...printArgv, ...words]))).toEqual(words);
  });

  it("leaves plain words unquoted, so the dyno's command line reads as typed", () => {
    expect(commandLineOf(['node', '-v'])).toBe('node -v');
    expect(commandLineOf(['bash', '-c', 'exit 7'])).toBe("bash -c 'exit 7'");
  });
});
