// Reading and writing ~/.netrc, where the token lives so that git over HTTP can use it too.
// Edits replace only the entry of one machine and keep every other byte of the file.
import { chmod, readFile, writeFile } from 'node:fs/promises';

export interface NetrcEntry { login?: string; password?: string }

interface Token { value: string; start: number; end: number }

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) tokens.push({ value: m[0], start: m.index, end: m.index + m[0].length });
  return tokens;
}

/** Where the entry for `machine` sits in the text: from its `machine` keyword to the next entry. */
function findEntry(text: string, machine: string): { start: number; end: number; entry: NetrcEntry } | undefined {
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.value !== 'machine' || tokens[i + 1]?.value !== machine) continue;
    const entry: NetrcEntry = {};
    let j = i + 2;
    for (; j < tokens.length; j++) {
      const key = tokens[j]!.value;
      if (key === 'machine' || key === 'default' || key === 'macdef') break;
      const value = tokens[j + 1]?.value;
      if (key === 'login') entry.login = value;
      if (key === 'password') entry.password = value;
      j++;
    }
    const end = j < tokens.length ? tokens[j]!.start : text.length;
    return { start: tokens[i]!.start, end, entry };
  }
  return undefined;
}

export class Netrc {
  constructor(readonly path: string) {}

  private async read(): Promise<string> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw e;
    }
  }

  private async write(text: string): Promise<void> {
    // The file holds secrets: owner-only, even if it existed with looser permissions.
    await writeFile(this.path, text, { mode: 0o600 });
    await chmod(this.path, 0o600);
  }

  async get(machine: string): Promise<NetrcEntry | undefined> {
    return findEntry(await this.read(), machine)?.entry;
  }

  async set(machine: string, login: string, password: string): Promise<void> {
    if (/\s/.test(login) || /\s/.test(password)) throw new Error('netrc values cannot contain whitespace');
    const text = await this.read();
    const block = `machine ${machine}\n  login ${login}\n  password ${password}\n`;
    const found = findEntry(text, machine);
    if (found) {
      await this.write(text.slice(0, found.start) + block + text.slice(found.end));
    } else {
      const sep = text === '' || text.endsWith('\n') ? '' : '\n';
      await this.write(text + sep + block);
    }
  }

  /** Returns whether an entry was removed. */
  async remove(machine: string): Promise<boolean> {
    const text = await this.read();
    const found = findEntry(text, machine);
    if (!found) return false;
    await this.write(text.slice(0, found.start) + text.slice(found.end));
    return true;
  }
}
