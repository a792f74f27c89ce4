// ps and ps:scale: the formation (what should run) and the dynos (what runs).
import { ApiError } from '../../client/api-error.js';
import type { Dyno, Formation, FormationUpdate } from '../../client/api-types.js';
import { CliError, UsageError, defineCommand } from '../command.js';
import { appLabel, formatDate } from '../output.js';

/** Heroku shows sizes capitalised: `standard-1x` → `Standard-1X`. */
const showSize = (size: string): string => size.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()).replace(/(\d)x$/i, '$1X');

/** `web=2`, `worker=1:standard-2x`, `web=0`. */
export function parseScaleArg(arg: string): FormationUpdate {
  const m = /^([A-Za-z0-9_-]+)=(\d+)(?::([A-Za-z0-9-]+))?$/.exec(arg);
  if (!m) throw new UsageError(`${arg} is invalid. Use TYPE=QUANTITY or TYPE=QUANTITY:SIZE, e.g. web=2 or web=2:standard-2x.`);
  const update: FormationUpdate = { type: m[1]!, quantity: Number(m[2]) };
  if (m[3]) update.size = m[3].toLowerCase();
  return update;
}

const formationSummary = (list: Formation[]): string =>
  [...list].sort((a, b) => a.type.localeCompare(b.type)).map((f) => `${f.type} at ${f.quantity}:${showSize(f.size)}`).join(', ');

export const psScale = defineCommand({
  name: 'ps:scale',
  aliases: ['scale', 'dyno:scale'],
  description: 'scale process types: quantity and optionally size',
  needsApp: true,
  args: [{ name: 'TYPE=QUANTITY[:SIZE]', description: 'process types to scale', variadic: true }],
  examples: ['berth ps:scale web=2 worker=1 -a demo', 'berth ps:scale web=2:standard-2x -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const client = ctx.client();
    if (input.argv.length === 0) {
      const list = await client.listFormation(app);
      ctx.out.line(list.map((f) => `${f.type}=${f.quantity}:${showSize(f.size)}`).join(' '));
      return;
    }
    const updates = input.argv.map(parseScaleArg);
    await ctx.out.action('Scaling dynos', () => client.updateFormations(app, updates),
      (list) => `done, now running ${formationSummary(list.filter((f) => updates.some((u) => u.type === f.type)))}`);
  },
});

/** Heroku's `(~ 5m ago)` after a dyno's state time. */
export function timeAgo(iso: string | null | undefined, now: number): string {
  const t = iso ? new Date(iso).getTime() : NaN;
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `(~ ${s}s ago)`;
  if (s < 3600) return `(~ ${Math.round(s / 60)}m ago)`;
  if (s < 86_400) return `(~ ${Math.round(s / 3600)}h ago)`;
  return `(~ ${Math.round(s / 86_400)}d ago)`;
}

function printDynos(out: { header(s: string): void; line(s?: string): void }, dynos: Dyno[], now = Date.now()): void {
  const byType = new Map<string, Dyno[]>();
  for (const d of dynos) byType.set(d.type, [...(byType.get(d.type) ?? []), d]);
  for (const [type, list] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    const first = list[0]!;
    if (type === 'run' || type === 'scheduler') {
      // One-offs each have their own command and size, so Heroku prints them on every line.
      out.header(`${type}: ${type === 'run' ? 'one-off processes' : 'scheduled jobs (app.json cron)'} (${list.length})`);
      for (const d of list.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))) {
        out.line(`${d.name} (${showSize(d.size)}): ${d.state} ${formatDate(d.updated_at)} ${timeAgo(d.updated_at, now)}: ${d.command}`);
      }
      out.line();
      continue;
    }
    out.header(`${type} (${showSize(first.size)}): ${first.command} (${list.length})`);
    for (const d of list.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }))) {
      out.line(`${d.name}: ${d.state} ${formatDate(d.updated_at)} ${timeAgo(d.updated_at, now)}${d.node ? ` on ${d.node.name}` : ''}`.trimEnd());
    }
    out.line();
  }
}

export const ps = defineCommand({
  name: 'ps',
  aliases: ['ps:list', 'dyno:list'],
  description: 'list the dynos of an app (or its formation where dynos are not reported)',
  needsApp: true,
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const app = await ctx.app(input);
    const client = ctx.client();
    let dynos: Dyno[] | undefined;
    try {
      dynos = await client.listDynos(app);
    } catch (e) {
      // A server without the dynos endpoint answers 404/501; the formation call below still
      // reports a missing app properly.
      if (!(e instanceof ApiError && (e.status === 404 || e.status === 501)) || e.resource === 'app') throw e;
    }
    if (dynos) {
      if (input.flags.json) return ctx.out.json(dynos);
      if (dynos.length > 0) return printDynos(ctx.out, dynos);
    }
    const formation = await client.listFormation(app);
    if (dynos) {
      // Nothing runs (never deployed, or scaled to zero): what is asked for still helps.
      ctx.out.line(`No dynos on ${appLabel(app)}`);
      if (formation.length === 0) return;
      ctx.out.line();
    } else if (input.flags.json) {
      return ctx.out.json(formation);
    }
    ctx.out.header(`${app} Formation`);
    ctx.out.line();
    ctx.out.table(formation, [
      { header: 'Type', get: (f) => f.type },
      { header: 'Quantity', get: (f) => String(f.quantity) },
      { header: 'Size', get: (f) => showSize(f.size) },
      { header: 'Command', get: (f) => f.command },
    ]);
  },
});

/** `web.1` names one dyno; `web` a whole process type. */
const DYNO_OR_TYPE = /^[A-Za-z0-9_-]+(\.\d+)?$/;

export const psRestart = defineCommand({
  name: 'ps:restart',
  aliases: ['restart', 'dyno:restart'],
  description: 'restart dynos: one (web.1), every dyno of a type (web), or all of them',
  needsApp: true,
  args: [{ name: 'DYNO', description: 'a dyno (web.1) or process type (web); all dynos when left out' }],
  examples: ['berth ps:restart -a demo', 'berth ps:restart web -a demo', 'berth ps:restart web.1 -a demo'],
  async run(ctx, input) {
    const target = input.args.DYNO;
    if (target !== undefined && !DYNO_OR_TYPE.test(target)) throw new UsageError(`${target} is not a dyno name (web.1) or process type (web).`);
    const app = await ctx.app(input);
    const client = ctx.client();
    if (target === undefined) {
      await ctx.out.action(`Restarting dynos on ${appLabel(app)}`, () => client.restartDynos(app));
    } else if (target.includes('.')) {
      await ctx.out.action(`Restarting ${target} dyno on ${appLabel(app)}`, () => client.restartDynos(app, target));
    } else {
      await ctx.out.action(`Restarting ${target} dynos on ${appLabel(app)}`, () => client.restartFormation(app, target));
    }
  },
});

export const psStop = defineCommand({
  name: 'ps:stop',
  aliases: ['stop', 'dyno:stop'],
  description: 'stop a dyno: a one-off (run.1234, or run for all of them) for good; a formation dyno is started again at once',
  needsApp: true,
  args: [{ name: 'DYNO', description: 'a dyno (run.1234, web.1) or process type (run, web)' }],
  // heroku's spellings of the same choice.
  flags: {
    'dyno-name': { type: 'string', short: 'd', description: 'name of the dyno to stop', valueName: 'DYNO' },
    'process-type': { type: 'string', short: 'p', description: 'stop every dyno of this process type', valueName: 'TYPE' },
  },
  examples: ['berth ps:stop run.1234 -a demo', 'berth ps:stop run -a demo', 'berth ps:stop --process-type worker -a demo'],
  async run(ctx, input) {
    const given = [input.args.DYNO, input.flags['dyno-name'], input.flags['process-type']].filter((v): v is string => typeof v === 'string');
    if (given.length !== 1) throw new UsageError('Name one dyno (run.1234) or process type (--process-type run).');
    const target = given[0]!;
    if (!DYNO_OR_TYPE.test(target)) throw new UsageError(`${target} is not a dyno name (run.1234) or process type (run).`);
    const app = await ctx.app(input);
    await ctx.out.action(`Stopping ${target} ${target.includes('.') ? 'dyno' : 'dynos'} on ${appLabel(app)}`, () => ctx.client().stopDynos(app, target));
  },
});

export const psType = defineCommand({
  name: 'ps:type',
  aliases: ['ps:resize', 'dyno:type', 'dyno:resize', 'resize'],
  description: 'show the dyno size of each process type, or set it: SIZE for every type, TYPE=SIZE for one',
  needsApp: true,
  args: [{ name: 'SIZE | TYPE=SIZE', description: 'eco, basic, standard-1x, standard-2x, performance-m or performance-l', variadic: true }],
  examples: ['berth ps:type -a demo', 'berth ps:type standard-2x -a demo', 'berth ps:type web=standard-2x worker=basic -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const client = ctx.client();
    if (input.argv.length > 0) {
      const formation = await client.listFormation(app);
      const updates: FormationUpdate[] = input.argv.some((a) => a.includes('='))
        ? input.argv.map((arg) => {
          const m = /^([A-Za-z0-9_-]+)=([A-Za-z0-9-]+)$/.exec(arg);
          if (!m || !formation.some((f) => f.type === m[1])) {
            throw new UsageError(`Type ${m?.[1] ?? arg} not found in process formation. Types: ${formation.map((f) => f.type).join(', ')}.`);
          }
          return { type: m[1]!, size: m[2]!.toLowerCase() };
        })
        : formation.map((f) => ({ type: f.type, size: input.argv[0]!.toLowerCase() }));
      // The platform replaces the running dynos with ones of the new size.
      await ctx.out.action(`Scaling dynos on ${appLabel(app)}`, () => client.updateFormations(app, updates));
    }
    const list = [...(await client.listFormation(app))].sort((a, b) => a.type.localeCompare(b.type));
    if (list.length === 0) throw new CliError(`No process types on ${appLabel(app)}. Deploy an app with a Procfile to add process types.`);
    ctx.out.header('Process Types');
    ctx.out.table(list, [
      { header: 'Type', get: (f) => f.type },
      { header: 'Size', get: (f) => showSize(f.size) },
      { header: 'Qty', get: (f) => String(f.quantity) },
    ]);
  },
});
