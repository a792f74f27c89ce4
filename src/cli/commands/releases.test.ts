import { expect, it } from 'vitest';
import type { Release } from '../../client/api-types.js';
import { statusNote } from './releases.js';

const release = (status: Release['status'], rollout?: Release['rollout']): Release => ({
  id: 'r1', version: 3, description: 'Deploy 1a2b3c', status, status_reason: rollout?.reason ?? null, rollout,
  created_at: '', updated_at: '', current: false, user: { id: 'u', email: 'a@example.com' }, app: { id: 'a', name: 'demo' },
  slug: null, addon_plan_names: [], output_stream_url: null,
});

it('shows why a release failed or was superseded next to it, and nothing for a live one', () => {
  expect(statusNote(release('failed', { state: 'failed', reason: 'interrupted by a server restart', changed_at: '' }))).toBe(' (failed: interrupted by a server restart)');
  expect(statusNote(release('succeeded', { state: 'superseded', reason: 'superseded by v4 before it went live', changed_at: '' }))).toBe(' (superseded: superseded by v4 before it went live)');
  expect(statusNote(release('pending', { state: 'releasing', reason: null, changed_at: '' }))).toBe(' (releasing)');
  expect(statusNote(release('succeeded', { state: 'live', reason: null, changed_at: '' }))).toBe('');
  // A Heroku-compatible server without rollouts.
  expect(statusNote(release('failed'))).toBe(' (failed)');
});
