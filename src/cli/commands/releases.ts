// releases, releases:info, releases:rollback.
import { ApiError } from '../../client/api-error.js';
import type { Release } from '../../client/api-types.js';
import type { BerthClient } from '../../client/berth-client.js';
import { CliError, UsageError, defineCommand } from '../command.js';
import { appLabel, formatDate } from '../output.js';
import { stringFlag } from '../parse-input.js';

/** `v12`, `12` → 12; anything else is a usage error. */
export function parseVersion(arg: string): number {
  const m = /^v?(\d+)$/i.exec(arg);
  if (!m) throw new UsageError(`${arg} is not a release version (like v12).`);
  return Number(m[1]);
}

/** Where the rollout stands, with the server's reason when it failed or was superseded (empty when live). */
export function statusNote(r: Release): string {
  const state = r.rollout?.state ?? r.status;
  if (state === 'live' || state === 'succeeded') return '';
  const reason = r.rollout?.reason ?? r.status_reason;
  return ` (${state}${reason ? `: ${reason}` : ''})`;
}

/** The release currently running: flagged by the API, else the newest that succeeded. */
function currentOf(releases: Release[]): Release | undefined {
  return releases.find((r) => r.current) ?? [...releases].sort((a, b) => b.version - a.version).find((r) => r.status === 'succeeded');
}

export const releases = defineCommand({
  name: 'releases',
  aliases: ['releases:list'],
  description: 'display the releases of an app, newest first',
  needsApp: true,
  flags: {
    num: { type: 'string', short: 'n', description: 'number of releases to show (default 15)', valueName: 'N' },
    json: { type: 'boolean', description: 'output releases in json format' },
  },
  async run(ctx, input) {
    const app = await ctx.app(input);
    const numFlag = stringFlag(input, 'num');
    const num = numFlag === undefined ? 15 : Number(numFlag);
    if (!Number.isInteger(num) || num < 1) throw new UsageError(`-n must be a positive whole number, got ${numFlag}.`);
    const list = (await ctx.client().listReleases(app, { max: num })).sort((a, b) => b.version - a.version).slice(0, num);
    if (input.flags.json) return ctx.out.json(list);
    const current = currentOf(list);
    ctx.out.header(`${app} Releases${current ? ` - Current: v${current.version}` : ''}`);
    if (list.length === 0) return ctx.out.line(`\n${app} has no releases.`);
    ctx.out.line();
    ctx.out.table(list, [
      { header: 'Version', get: (r) => `v${r.version}` },
      { header: 'Description', get: (r) => r.description + statusNote(r) },
      { header: 'User', get: (r) => r.user?.email ?? '' },
      { header: 'Created', get: (r) => formatDate(r.created_at) },
    ]);
  },
});

export const releasesInfo = defineCommand({
  name: 'releases:info',
  description: 'view detailed information for a release (the current one by default)',
  needsApp: true,
  args: [{ name: 'RELEASE', description: 'version, like v12' }],
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const app = await ctx.app(input);
    const client = ctx.client();
    let release: Release | undefined;
    if (input.args.RELEASE) release = await client.getRelease(app, parseVersion(input.args.RELEASE));
    else release = currentOf(await client.listReleases(app, { max: 10 }));
    if (!release) throw new CliError(`${app} has no releases.`);
    if (input.flags.json) return ctx.out.json(release);
    const configNames = await releaseConfigNames(client, app, release.id);
    ctx.out.header(`Release v${release.version}`);
    ctx.out.styledObject({
      'Add-ons': release.addon_plan_names?.join(', ') || undefined,
      'By': release.user?.email,
      'Change': release.description + statusNote(release),
      'Config vars': configNames === undefined ? undefined : configNames.join(', ') || '(none)',
      'Current': release.current ? 'yes' : 'no',
      'Slug': release.slug?.id,
      'Status': release.rollout ? release.rollout.state + (release.rollout.reason ? `: ${release.rollout.reason}` : '') : release.status,
      'When': formatDate(release.created_at),
    });
  },
});

/**
 * Names only: values are often secrets and `config` shows them on request. Undefined when the
 * server keeps no per-release config (an older or non-Berth server).
 */
async function releaseConfigNames(client: BerthClient, app: string, releaseId: string): Promise<string[] | undefined> {
  try {
    return Object.keys(await client.getReleaseConfigVars(app, releaseId)).sort();
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 501)) return undefined;
    throw e;
  }
}

export const releasesRollback = defineCommand({
  name: 'releases:rollback',
  aliases: ['rollback'],
  description: 'roll back to a previous release (by default the one before the current one)',
  needsApp: true,
  args: [{ name: 'RELEASE', description: 'version to roll back to, like v12' }],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const client = ctx.client();
    let target: Release | undefined;
    if (input.args.RELEASE) {
      target = await client.getRelease(app, parseVersion(input.args.RELEASE));
    } else {
      const list = await client.listReleases(app, { max: 50 });
      const current = currentOf(list);
      const previous = [...list].sort((a, b) => b.version - a.version)
        .find((r) => r.status === 'succeeded' && current !== undefined && r.version < current.version);
      if (!previous) throw new CliError(`${appLabel(app)} has no earlier release to roll back to.`);
      target = previous;
    }
    // By id, as Heroku's CLI does, so any Heroku-compatible server accepts it.
    const id = target.id;
    await ctx.out.action(`Rolling back ${appLabel(app)} to v${target.version}`, () => client.rollback(app, id), (r) => `done, v${r.version}`);
  },
});
