import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Netrc } from './netrc.js';

describe('Netrc', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-netrc-'));
    path = join(dir, '.netrc');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the file owner-only with the machine, login and token', async () => {
    await new Netrc(path).set('localhost', 'me@example.com', 'tok1');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await new Netrc(path).get('localhost')).toEqual({ login: 'me@example.com', password: 'tok1' });
  });

  it('replaces only the entry of its machine and keeps the others byte for byte', async () => {
    const other = 'machine api.heroku.com\n  login a@b.c\n  password herokutoken\n';
    const last = 'machine git.example.com login x password y\n';
    await writeFile(path, other + 'machine localhost\n  login old@x\n  password old\n' + last, { mode: 0o644 });
    await new Netrc(path).set('localhost', 'new@x', 'new');
    const text = await readFile(path, 'utf8');
    expect(text).toBe(other + 'machine localhost\n  login new@x\n  password new\n' + last);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('removes an entry and reports whether there was one', async () => {
    await writeFile(path, 'machine a login x password y\nmachine localhost login m password t\n');
    expect(await new Netrc(path).remove('localhost')).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('machine a login x password y\n');
    expect(await new Netrc(path).remove('localhost')).toBe(false);
  });

  it('does not mistake a machine named like another entry\'s password', async () => {
    await writeFile(path, 'machine a login localhost password localhost\n');
    expect(await new Netrc(path).get('localhost')).toBeUndefined();
  });
});
