import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const home = mkdtempSync(join(tmpdir(), 'berth-secret-'));
    const box = SecretBox.forHome(home);
    const sealed = box.seal('-----BEGIN PRIVATE KEY-----\nabc');
    expect(sealed).not.toContain('PRIVATE');
    expect(box.open(sealed)).toBe('-----BEGIN PRIVATE KEY-----\nabc');
    expect(statSync(join(home, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('a second box of the same home shares the key; another home cannot open it', () => {
    const home = mkdtempSync(join(tmpdir(), 'berth-secret-'));
    const sealed = SecretBox.forHome(home).seal('s3cret');
    expect(SecretBox.forHome(home).open(sealed)).toBe('s3cret');
    expect(() => SecretBox.forHome(mkdtempSync(join(tmpdir(), 'berth-secret-'))).open(sealed)).toThrow();
  });

  it('refuses an altered value', () => {
    const box = SecretBox.fromKey(Buffer.alloc(32, 7));
    const parts = box.seal('value').split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
  });
});
