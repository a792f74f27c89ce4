// audit: the audit trail, newest first, as a compact table (or JSON). A Berth command: Heroku shows
// its audit trail only to enterprise accounts, as downloadable archives.
import type { AuditEvent } from '../../client/api-types.js';
import { UsageError, defineCommand } from '../command.js';
import { stringFlag } from '../parse-input.js';
import { parseDuration } from '../../domain/time-bounds.js';

/** `2h`, `30m`, `7d` back from `now`, as an ISO time; anything else goes to the API as it is (an ISO 8601 time, which the API checks). */
export function sinceTime(value: string, now: number): string {
  const ago = parseDuration(value);
  return ago === undefined ? value.trim() : new Date(now - ago).toISOString();
}

const list = (keys: unknown): string[] => (Array.isArray(keys) ? keys.map(String) : []);

/** Config keys a change touched, as `+ADDED ~CHANGED -REMOVED` (the trail never holds values). */
const keyChanges = (d: Record<string, unknown>): string =>
  [...list(d.added).map((k) => `+${k}`), ...list(d.changed).map((k) => `~${k}`), ...list(d.removed).map((k) => `-${k}`)].join(' ');

/** What changed, in a few words. */
export function auditDetails(e: Pick<AuditEvent, 'action' | 'data'>): string {
  const d = e.data;
  if (e.action === 'formation-changed' && Array.isArray(d.updates)) {
    const before = (d.before ?? {}) as Record<string, number>;
    return (d.updates as { type: string; quantity?: number; size?: string }[])
      .map((u) => `${u.type}${u.quantity === undefined ? '' : ` ${before[u.type] ?? '?'}→${u.quantity}`}${u.size ? ` ${u.size}` : ''}`).join(', ');
  }
  if (e.action === 'release-created') return `v${String(d.version)} ${String(d.description ?? '')}`.trim();
  const scalars = Object.entries(d).filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object').map(([k, v]) => `${k}=${String(v)}`);
  return [...scalars, keyChanges(d)].filter(Boolean).join(' ');
}

/** `2026-11-30 09:00:05` (UTC): short enough for a table row. */
const time = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');

export const audit = defineCommand({
  name: 'audit',
  aliases: ['audit:events'],
  description: 'show the audit trail, newest first: who changed what, when, from which address (admins see every app; others their own apps)',
  flags: {
    app: { type: 'string', short: 'a', description: 'only changes to this app (a destroyed app by its name)', valueName: 'APP' },
    actor: { type: 'string', description: 'only changes made by this user', valueName: 'EMAIL' },
    team: { type: 'string', short: 't', description: "only changes to this team or its apps (its admins' view)", valueName: 'TEAM' },
    action: { type: 'string', description: 'only this action, e.g. config-changed', valueName: 'ACTION' },
    since: { type: 'string', description: 'only changes since then: 2h, 30m, 7d back, or an ISO 8601 time', valueName: 'WHEN' },
    until: { type: 'string', description: 'only changes until then, as --since', valueName: 'WHEN' },
    num: { type: 'string', short: 'n', description: 'number of events to show (default 100, at most 1000)', valueName: 'N' },
    json: { type: 'boolean', description: 'output in json format (with the token id of each change)' },
  },
  examples: ['berth audit -a demo --since 2h', 'berth audit --team shop --since 7d --until 1d', 'berth audit --actor ann@example.com --json'],
  async run(ctx, input) {
    const numFlag = stringFlag(input, 'num');
    const num = numFlag === undefined ? 100 : Number(numFlag);
    if (!Number.isInteger(num) || num < 1 || num > 1000) throw new UsageError(`-n must be a whole number from 1 to 1000, got ${numFlag}.`);
    const when = (flag: 'since' | 'until') => { const v = stringFlag(input, flag); return v === undefined ? undefined : sinceTime(v, Date.now()); };
    const events = await ctx.client().auditEvents({
      app: stringFlag(input, 'app'), actor: stringFlag(input, 'actor'), team: stringFlag(input, 'team'), action: stringFlag(input, 'action'),
      since: when('since'), until: when('until'),
    }, num);
    if (input.flags.json) return ctx.out.json(events);
    if (events.length === 0) return ctx.out.line('No audit events match.');
    ctx.out.table(events, [
      { header: 'Time (UTC)', get: (e) => time(e.created_at) },
      { header: 'Actor', get: (e) => e.actor?.email ?? 'berth' },
      { header: 'App', get: (e) => e.app?.name ?? '' },
      { header: 'Action', get: (e) => e.action },
      { header: 'Details', get: (e) => auditDetails(e) },
      { header: 'From', get: (e) => e.address ?? '' },
    ]);
  },
});
