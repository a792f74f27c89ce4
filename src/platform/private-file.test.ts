import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPrivateFileOnce, readOptionalFile, writePrivateFile } from './private-file.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'berth-private-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('private files (tokens, pid files, the route snapshot)', () => {
  it('writes 0600 in a 0700 directory, replacing the old content whole, leaving no temp file', () => {
    const path = join(dir, 'run', 'routes.json');
    writePrivateFile(path, 'old');
    writePrivateFile(path, 'new');
    expect(readOptionalFile(path)).toBe('new');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'run'))).toEqual(['routes.json']);
  });

  it('creates once: the second caller reads the first one\'s content (two processes starting together)', () => {
    const path = join(dir, 'run', 'internal-token');
    expect(createPrivateFileOnce(path, 'first')).toBe('first');
    expect(createPrivateFileOnce(path, 'second')).toBe('first');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'run'))).toEqual(['internal-token']);
  });

  it('reads a missing file as undefined, but any other failure is an error', () => {
    expect(readOptionalFile(join(dir, 'nothing'))).toBeUndefined();
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => readOptionalFile(join(dir, 'file', 'below-a-file'))).toThrow(/ENOTDIR/);
  });
});
