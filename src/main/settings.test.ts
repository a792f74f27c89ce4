// Settings as an operator writes them: the release command's deadline.
import { expect, it } from 'vitest';
import { readSettings } from './settings.js';

it('gives a release command an hour unless BERTH_RELEASE_TIMEOUT says otherwise, in whole seconds', () => {
  expect(readSettings({}).releaseTimeoutMs).toBe(3600_000);
  expect(readSettings({ BERTH_RELEASE_TIMEOUT: '90' }).releaseTimeoutMs).toBe(90_000);
  expect(() => readSettings({ BERTH_RELEASE_TIMEOUT: '0' })).toThrow(/BERTH_RELEASE_TIMEOUT must be a positive whole number/);
  // Past ~24.8 days a Node timer fires at once, which would fail every release command as it starts.
  expect(() => readSettings({ BERTH_RELEASE_TIMEOUT: '2200000' })).toThrow(/BERTH_RELEASE_TIMEOUT must be at most 2147483 seconds/);
});
