// pg:psql and pg:backups (capture, list, restore, download) for an app's PostgreSQL add-on.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CliError, defineCommand } from '../command.js';
import { appLabel, formatBytes, formatDate } from '../output.js';
import { stringFlag } from '../parse-input.js';
import { attachmentUrl, openClient } from './service-client.js';
import type { BerthClient } from '../../client/berth-client.js';

const DATABASE_ARG = { name: 'DATABASE', description: 'attachment name or add-on name (default DATABASE)' };

export const pgPsql = defineCommand({
  name: 'pg:psql',
  description: "open psql on the app's PostgreSQL add-on",
  needsApp: true,
  args: [DATABASE_ARG],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const url = attachmentUrl(await ctx.client().getConfigVars(app), app, input.args.DATABASE ?? 'DATABASE');
    await openClient('psql', [url]);
  },
});

export const pgBackups = defineCommand({
  name: 'pg:backups',
  description: "list the backups of the app's PostgreSQL add-on",
  needsApp: true,
  args: [DATABASE_ARG],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const list = await ctx.client().addons.listBackups(app, input.args.DATABASE ?? 'DATABASE');
    ctx.out.header(`Backups of ${appLabel(app)}`);
    if (list.length === 0) return ctx.out.line(`No backups. Capture one with: berth pg:backups:capture -a ${app}`);
    ctx.out.table(list, [
      { header: 'ID', get: (b) => b.name },
      { header: 'Created at', get: (b) => formatDate(b.created_at) },
      { header: 'Status', get: (b) => (b.status === 'succeeded' ? `Completed ${formatDate(b.finished_at)}` : b.status) },
      { header: 'Size', get: (b) => formatBytes(b.size_bytes) },
      { header: 'Database', get: (b) => b.addon.name },
    ]);
  },
});

export const pgBackupsCapture = defineCommand({
  name: 'pg:backups:capture',
  description: 'capture a backup (pg_dump, custom format) now',
  needsApp: true,
  args: [DATABASE_ARG],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const b = await ctx.out.action(`Capturing a backup of ${input.args.DATABASE ?? 'DATABASE'} on ${appLabel(app)}`,
      () => ctx.client().addons.captureBackup(app, input.args.DATABASE ?? 'DATABASE'), (x) => `done, ${x.name} (${formatBytes(x.size_bytes)})`);
    ctx.out.line(`Backup ${b.name} of ${b.addon.name}. Restore it with: berth pg:backups:restore ${b.name} -a ${app} --confirm ${app}`);
  },
});

const BACKUP_ARG = { name: 'BACKUP', description: 'backup id such as b001 (default: the latest)' };

/** The backup named on the command line, or the app's latest one that succeeded. */
async function chosenBackup(client: BerthClient, app: string, database: string, named: string | undefined, verb: string): Promise<string> {
  const backup = named ?? (await client.addons.listBackups(app, database)).filter((b) => b.status === 'succeeded').at(-1)?.name;
  if (!backup) throw new CliError(`${app} has no backup to ${verb}.`);
  return backup;
}

export const pgBackupsRestore = defineCommand({
  name: 'pg:backups:restore',
  description: "restore a backup into the app's database, replacing its data (requires --confirm APP)",
  needsApp: true,
  args: [BACKUP_ARG, DATABASE_ARG],
  flags: { confirm: { type: 'string', short: 'c', description: 'the app name, to confirm', valueName: 'APP' } },
  async run(ctx, input) {
    const app = await ctx.app(input);
    const database = input.args.DATABASE ?? 'DATABASE';
    const client = ctx.client();
    const backup = await chosenBackup(client, app, database, input.args.BACKUP, 'restore');
    const confirm = stringFlag(input, 'confirm');
    if (confirm === undefined) throw new CliError(`This replaces the data of ${database} on ${appLabel(app)} with ${backup}. To proceed, re-run with --confirm ${app}`);
    if (confirm !== app) throw new CliError(`Confirmation ${confirm} did not match ${app}. Aborted.`);
    await ctx.out.action(`Restoring ${backup} into ${database} on ${appLabel(app)}`, () => client.addons.restoreBackup(app, database, backup, confirm));
  },
});

export const pgBackupsDownload = defineCommand({
  name: 'pg:backups:download',
  description: 'download a backup (pg_dump custom format; pg_restore reads it)',
  needsApp: true,
  args: [BACKUP_ARG, DATABASE_ARG],
  flags: { output: { type: 'string', short: 'o', description: 'file to write (default latest.dump)', valueName: 'FILE' } },
  async run(ctx, input) {
    const app = await ctx.app(input);
    const database = input.args.DATABASE ?? 'DATABASE';
    const client = ctx.client();
    const backup = await chosenBackup(client, app, database, input.args.BACKUP, 'download');
    const file = resolve(ctx.cwd, stringFlag(input, 'output') ?? 'latest.dump');
    await ctx.out.action(`Downloading ${backup} to ${file}`, async () => {
      const data = await client.addons.downloadBackup(app, database, backup);
      await writeFile(file, data);
      return data.length;
    }, (n) => `done, ${formatBytes(n)}`);
  },
});
