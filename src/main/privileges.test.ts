// Root or not is decided in one place and passed in: each part that depends on it follows what it is given.
import { describe, expect, it } from 'vitest';
import { buildUserFor } from '../build/build-user.js';
import { readSettings } from './settings.js';
import { detectIsolation } from '../runtime/local/detect-isolation.js';
import type { Privileges } from '../platform/privileges.js';

const root: Privileges = { root: true };
const user: Privileges = { root: false };

describe('privileges, passed in', () => {
  it('put BERTH_HOME in /var/lib/berth as root and in the home directory otherwise', () => {
    expect(readSettings({}, root).home).toBe('/var/lib/berth');
    expect(readSettings({}, user).home).toMatch(/\/\.berth$/);
  });

  it('give builds their own user only as root', () => {
    expect(buildUserFor('app-1', root)?.uid).toBeGreaterThan(0);
    expect(buildUserFor('app-1', user)).toBeUndefined();
  });

  it('make the local sandbox unavailable without root, saying why', async () => {
    expect(await detectIsolation('/sys/fs/cgroup', user)).toEqual({ available: false, reason: 'not running as root' });
  });
});
