// buildpacks, buildpacks:set/add/remove/clear: the app's buildpack list, used from its next build.
// Each command reads the list, edits it and writes it back whole (Heroku's PUT semantics), with the
// same flags as heroku's: -i/--index is 1-based.
import type { BerthClient } from '../../client/berth-client.js';
import { CliError, UsageError, defineCommand, type CommandContext, type ParsedInput } from '../command.js';
import { appLabel } from '../output.js';

const INDEX_FLAG = { index: { type: 'string' as const, short: 'i', description: 'the 1-based index of the buildpack to change', valueName: 'INDEX' } };

function parseIndex(raw: string | boolean | undefined): number | undefined {
  if (raw === undefined || raw === false) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError('Invalid index. Must be greater than 0.');
  return n;
}

function printList(ctx: CommandContext, app: string, urls: string[]): void {
  if (urls.length === 0) return ctx.out.line(`${appLabel(app)} has no Buildpacks.`);
  ctx.out.header(`${appLabel(app)} Buildpack${urls.length > 1 ? 's' : ''}`);
  if (urls.length === 1) return ctx.out.line(urls[0]!);
  urls.forEach((u, i) => ctx.out.line(`${i + 1}. ${u}`));
}

/** Reads the list, applies `edit`, writes it back, and says what the next build will use. */
async function edit(ctx: CommandContext, input: ParsedInput, verb: string, change: (urls: string[]) => string[]): Promise<void> {
  const app = await ctx.app(input);
  const client: BerthClient = ctx.client();
  const current = (await client.listBuildpacks(app)).map((b) => b.buildpack.url);
  const next = change(current);
  const saved = (await client.setBuildpacks(app, next)).map((b) => b.buildpack.url);
  if (saved.length === 0) return ctx.out.line(`Buildpack${current.length > 1 ? 's' : ''} ${verb}. Next release on ${appLabel(app)} will detect buildpacks normally.`);
  if (saved.length === 1) return ctx.out.line(`Buildpack ${verb}. Next release on ${appLabel(app)} will use ${saved[0]}.`);
  ctx.out.line(`Buildpack ${verb}. Next release on ${appLabel(app)} will use:`);
  saved.forEach((u, i) => ctx.out.line(`  ${i + 1}. ${u}`));
}

const notSetAlready = (urls: string[], bp: string): void => {
  if (urls.includes(bp)) throw new CliError(`The buildpack ${bp} is already set on your app.`);
};

export const buildpacks = defineCommand({
  name: 'buildpacks',
  description: 'list the buildpacks of an app (none: the build detects one)',
  needsApp: true,
  flags: { json: { type: 'boolean', short: 'j', description: 'output in json format' } },
  async run(ctx, input) {
    const app = await ctx.app(input);
    const list = await ctx.client().listBuildpacks(app);
    if (input.flags.json) return ctx.out.json(list);
    printList(ctx, app, list.map((b) => b.buildpack.url));
  },
});

export const buildpacksSet = defineCommand({
  name: 'buildpacks:set',
  description: 'set the buildpack (replaces the first one, or the one at --index)',
  needsApp: true,
  args: [{ name: 'BUILDPACK', description: 'heroku/nodejs, heroku/python, an https git URL or a directory on the server', required: true }],
  flags: INDEX_FLAG,
  examples: ['berth buildpacks:set heroku/nodejs -a demo', 'berth buildpacks:set -i 2 https://github.com/heroku/heroku-buildpack-python -a demo'],
  async run(ctx, input) {
    const bp = input.args.BUILDPACK!;
    const index = parseIndex(input.flags.index);
    await edit(ctx, input, 'set', (urls) => {
      notSetAlready(urls, bp);
      const at = index === undefined ? 0 : Math.min(index - 1, urls.length);
      return [...urls.slice(0, at), bp, ...urls.slice(at + 1)];
    });
  },
});

export const buildpacksAdd = defineCommand({
  name: 'buildpacks:add',
  description: 'add a buildpack: last, or at --index',
  needsApp: true,
  args: [{ name: 'BUILDPACK', description: 'heroku/nodejs, heroku/python, an https git URL or a directory on the server', required: true }],
  flags: INDEX_FLAG,
  examples: ['berth buildpacks:add heroku/python -a demo', 'berth buildpacks:add -i 1 heroku/nodejs -a demo'],
  async run(ctx, input) {
    const bp = input.args.BUILDPACK!;
    const index = parseIndex(input.flags.index);
    await edit(ctx, input, 'added', (urls) => {
      notSetAlready(urls, bp);
      const at = index === undefined ? urls.length : Math.min(index - 1, urls.length);
      return [...urls.slice(0, at), bp, ...urls.slice(at)];
    });
  },
});

export const buildpacksRemove = defineCommand({
  name: 'buildpacks:remove',
  description: 'remove a buildpack, by name or by --index',
  needsApp: true,
  args: [{ name: 'BUILDPACK', description: 'the buildpack to remove' }],
  flags: INDEX_FLAG,
  examples: ['berth buildpacks:remove heroku/python -a demo', 'berth buildpacks:remove -i 2 -a demo'],
  async run(ctx, input) {
    const bp = input.args.BUILDPACK;
    const index = parseIndex(input.flags.index);
    if ((bp === undefined) === (index === undefined)) throw new UsageError('Give either a buildpack or --index, not both.');
    await edit(ctx, input, 'removed', (urls) => {
      if (urls.length === 0) throw new CliError('No buildpacks were found. Next release on the app will detect buildpacks normally.');
      const at = index !== undefined ? index - 1 : urls.indexOf(bp!);
      if (at < 0 || at >= urls.length) throw new CliError(index !== undefined ? `Invalid index. Choose a value between 1 and ${urls.length}.` : `Buildpack not found. Nothing was removed.`);
      return urls.filter((_u, i) => i !== at);
    });
  },
});

export const buildpacksClear = defineCommand({
  name: 'buildpacks:clear',
  description: 'clear all buildpacks: the next build detects one',
  needsApp: true,
  async run(ctx, input) {
    await edit(ctx, input, 'cleared', () => []);
  },
});
