// Heroku's app manifest (app.json at the root of the pushed source), read once per build into one
// typed value: every part of Berth that honours a key reads it from here. A malformed manifest is
// refused with every problem named, before anything is built or changed.
import { CONCURRENCY_POLICIES, type ConcurrencyPolicy, type CronJob, cronJobId } from '../domain/cron-jobs.js';
import { parseCronSchedule } from '../domain/cron-schedule.js';
import { BerthError } from '../domain/errors.js';
import { isProcessType, processTypeProblem, validateConfigValue, validateSettableConfigKey } from '../domain/names.js';
import { findSize, INSTANCE_SIZES } from '../domain/sizes.js';
import type { Healthchecks } from '../domain/healthchecks.js';
import { readAppFile } from './app-files.js';
import { parseHealthchecks } from './app-json-healthchecks.js';

export interface AppJsonEnvVar {
  /** The default, set on the first deploy unless the app already has the variable. */
  value?: string;
  /** `secret`: a fresh random value on the first deploy unless the app already has the variable. */
  generator?: 'secret';
  /** Heroku's default is true: without a value or generator the app must have it before its first deploy. */
  required: boolean;
}

export interface AppJsonAddon {
  /** As Heroku writes it: `heroku-postgresql`, `heroku-redis:mini`, or Berth's `postgresql:dev`. */
  plan: string;
  /** The attachment name (`DATABASE` → `DATABASE_URL`); the service's default when absent. */
  as?: string;
}

export interface AppJsonFormation {
  quantity?: number;
  size?: string;
}

export interface AppJson {
  formation: ReadonlyMap<string, AppJsonFormation>;
  env: ReadonlyMap<string, AppJsonEnvVar>;
  addons: readonly AppJsonAddon[];
  scripts: { postdeploy?: string };
  /** Buildpack URLs in order; absent when the key is. Read by the builder choice. */
  buildpacks?: readonly string[];
  /** Dokku's checks per process type; kept with the slug, run by the health manager. */
  healthchecks?: Healthchecks;
  /** Scheduled jobs (Dokku's `cron`), stored with the slug so that each release runs its own. */
  cron: readonly CronJob[];
  /** Keys that change nothing on Berth, each with why: listed once in the build output. */
  ignored: readonly string[];
}

/** Heroku's descriptive keys: they describe the app for a deploy button and change nothing when deploying. */
const DESCRIPTIVE = new Set(['name', 'description', 'keywords', 'website', 'repository', 'logo', 'success_url']);
/** Heroku keys with no Berth meaning on a push, and what to do instead. */
const NOT_USED: Readonly<Record<string, string>> = {
  stack: 'not used by Berth; berth stack:set chooses the stack',
  image: 'not used by Berth',
  environments: 'not used by Berth: review apps and CI settings',
};
const SCRIPTS_NOT_USED: Readonly<Record<string, string>> = {
  'pr-predestroy': 'not used by Berth: review apps',
  test: 'not used by Berth: Heroku CI',
  'test-setup': 'not used by Berth: Heroku CI',
  predeploy: 'not used by Berth: use a `release:` process in the Procfile, Heroku\'s release phase',
  release: 'not used by Berth: use a `release:` process in the Procfile, Heroku\'s release phase',
  dokku: 'not used by Berth: use a `release:` process in the Procfile, Heroku\'s release phase',
};
/** Bigger than any real manifest; a bigger file is refused rather than read into the API process. */
const MAX_BYTES = 256 * 1024;
const ATTACHMENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

/** The manifest of the source in `dir`, or undefined when it has no app.json. */
export async function readAppJson(dir: string): Promise<AppJson | undefined> {
  let text: string | undefined;
  try {
    text = await readAppFile(dir, 'app.json');
  } catch (e) {
    throw invalid([(e as Error).message]);
  }
  return text === undefined ? undefined : parseAppJson(text);
}

/** Parses and checks the whole manifest; throws `build_failed` naming every problem found. */
export function parseAppJson(text: string): AppJson {
  if (Buffer.byteLength(text) > MAX_BYTES) throw invalid([`it is larger than ${MAX_BYTES / 1024} KB`]);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BerthError('build_failed', `app.json is not valid JSON: ${(e as Error).message}.`, 'build');
  }
  if (!isObject(raw)) throw invalid(['the top level must be a JSON object {…}']);
  const problems: string[] = [];
  const ignored: string[] = [];
  const manifest: AppJson = { formation: new Map(), env: new Map(), addons: [], scripts: {}, cron: [], ignored };
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'formation': manifest.formation = parseFormation(value, problems); break;
      case 'env': manifest.env = parseEnv(value, problems); break;
      case 'addons': manifest.addons = parseAddons(value, problems); break;
      case 'scripts': manifest.scripts = parseScripts(value, problems, ignored); break;
      case 'buildpacks': manifest.buildpacks = parseBuildpacks(value, problems); break;
      case 'healthchecks': manifest.healthchecks = parseHealthchecks(value, problems, ignored); break;
      case 'cron': manifest.cron = parseCron(value, problems, ignored); break;
      default:
        if (DESCRIPTIVE.has(key)) break;
        ignored.push(`${key} (${NOT_USED[key] ?? 'unknown key'})`);
    }
  }
  if (problems.length > 0) throw invalid(problems);
  return manifest;
}

function parseFormation(value: unknown, problems: string[]): Map<string, AppJsonFormation> {
  const out = new Map<string, AppJsonFormation>();
  if (!isObject(value)) {
    problems.push('formation must be an object of process type → {"quantity", "size"}');
    return out;
  }
  for (const [type, entry] of Object.entries(value)) {
    if (!isProcessType(type)) {
      problems.push(`formation: ${processTypeProblem(type)}`);
      continue;
    }
    if (!isObject(entry)) {
      problems.push(`formation.${type} must be an object {"quantity": 1, "size": "basic"}`);
      continue;
    }
    const f: AppJsonFormation = {};
    if (entry.quantity !== undefined) {
      // The upper bound is ps:scale's, checked where the formation is written (services/app-json-deploy.ts).
      if (!Number.isInteger(entry.quantity) || (entry.quantity as number) < 0) {
        problems.push(`formation.${type}.quantity must be a whole number, 0 or more (got ${JSON.stringify(entry.quantity)})`);
      } else f.quantity = entry.quantity as number;
    }
    if (entry.size !== undefined) {
      const size = typeof entry.size === 'string' ? findSize(entry.size) : undefined;
      if (!size) problems.push(`formation.${type}.size ${JSON.stringify(entry.size)} is not a size (${INSTANCE_SIZES.map((s) => s.name).join(', ')})`);
      else f.size = size.name;
    }
    out.set(type, f);
  }
  return out;
}

function parseEnv(value: unknown, problems: string[]): Map<string, AppJsonEnvVar> {
  const out = new Map<string, AppJsonEnvVar>();
  if (!isObject(value)) {
    problems.push('env must be an object of NAME → "value" or {"value", "required", "generator"}');
    return out;
  }
  for (const [key, entry] of Object.entries(value)) {
    // The names and values config:set takes; PORT and the like are Berth's to set.
    const keyProblem = problemOf(() => validateSettableConfigKey(key));
    if (keyProblem) {
      problems.push(`env: ${keyProblem}`);
      continue;
    }
    // Heroku's shorthand: a string is the value.
    if (typeof entry === 'string') {
      const valueProblem = problemOf(() => validateConfigValue(key, entry));
      if (valueProblem) problems.push(`env.${key}: ${valueProblem}`);
      else out.set(key, { value: entry, required: true });
      continue;
    }
    if (!isObject(entry)) {
      problems.push(`env.${key} must be a string or an object {"value", "required", "generator"}`);
      continue;
    }
    const v: AppJsonEnvVar = { required: true };
    if (entry.value !== undefined) {
      const valueProblem = typeof entry.value === 'string' ? problemOf(() => validateConfigValue(key, entry.value)) : `must be a string (got ${JSON.stringify(entry.value)})`;
      if (valueProblem) problems.push(`env.${key}.value: ${valueProblem}`);
      else v.value = entry.value as string;
    }
    if (entry.required !== undefined) {
      if (typeof entry.required !== 'boolean') problems.push(`env.${key}.required must be true or false`);
      else v.required = entry.required;
    }
    if (entry.generator !== undefined) {
      if (entry.generator !== 'secret') problems.push(`env.${key}.generator must be "secret", the only generator (got ${JSON.stringify(entry.generator)})`);
      else v.generator = 'secret';
    }
    if (entry.description !== undefined && typeof entry.description !== 'string') problems.push(`env.${key}.description must be a string`);
    out.set(key, v);
  }
  return out;
}

function parseAddons(value: unknown, problems: string[]): AppJsonAddon[] {
  if (!Array.isArray(value)) {
    problems.push('addons must be a list of plan names or {"plan", "as"}');
    return [];
  }
  const out: AppJsonAddon[] = [];
  value.forEach((entry: unknown, i) => {
    if (typeof entry === 'string' && entry.trim() !== '') {
      out.push({ plan: entry.trim() });
      return;
    }
    if (!isObject(entry) || typeof entry.plan !== 'string' || entry.plan.trim() === '') {
      problems.push(`addons[${i}] must be a plan name ("heroku-postgresql") or {"plan": "heroku-postgresql:essential-0", "as": "DATABASE"}`);
      return;
    }
    const addon: AppJsonAddon = { plan: entry.plan.trim() };
    if (entry.as !== undefined) {
      if (typeof entry.as !== 'string' || !ATTACHMENT_NAME.test(entry.as)) problems.push(`addons[${i}].as must be an attachment name such as "DATABASE"`);
      else addon.as = entry.as;
    }
    out.push(addon);
  });
  return out;
}

function parseScripts(value: unknown, problems: string[], ignored: string[]): { postdeploy?: string } {
  if (!isObject(value)) {
    problems.push('scripts must be an object {"postdeploy": "command"}');
    return {};
  }
  const out: { postdeploy?: string } = {};
  for (const [name, command] of Object.entries(value)) {
    if (name === 'postdeploy') {
      // Heroku also takes {"command", "size"}; the command is what runs.
      const text = isObject(command) ? command.command : command;
      if (typeof text !== 'string' || text.trim() === '') problems.push('scripts.postdeploy must be a command (a non-empty string)');
      else out.postdeploy = text;
      continue;
    }
    ignored.push(`scripts.${name} (${SCRIPTS_NOT_USED[name] ?? 'unknown script'})`);
  }
  return out;
}

/** A command in a shell inside the app's sandbox, like a Procfile line; longer than this is surely a mistake. */
const MAX_CRON_COMMAND = 10_000;
const MAX_CRON_JOBS = 50;

function parseCron(value: unknown, problems: string[], ignored: string[]): CronJob[] {
  if (!Array.isArray(value)) {
    problems.push('cron must be a list of {"command", "schedule"}');
    return [];
  }
  if (value.length > MAX_CRON_JOBS) problems.push(`cron may list at most ${MAX_CRON_JOBS} jobs (got ${value.length})`);
  const out: CronJob[] = [];
  value.forEach((entry: unknown, i) => {
    if (!isObject(entry)) {
      problems.push(`cron[${i}] must be an object {"command", "schedule"}`);
      return;
    }
    const { command, schedule, concurrency_policy: policy, ...rest } = entry;
    for (const key of Object.keys(rest)) ignored.push(`cron[${i}].${key} (unknown key)`);
    if (typeof command !== 'string' || command.trim() === '' || command.length > MAX_CRON_COMMAND) {
      problems.push(`cron[${i}].command must be a command (a non-empty string)`);
      return;
    }
    if (typeof schedule !== 'string') {
      problems.push(`cron[${i}].schedule must be a cron schedule such as "*/10 * * * *" (UTC)`);
      return;
    }
    try {
      parseCronSchedule(schedule);
    } catch (e) {
      problems.push(`cron[${i}].schedule ${JSON.stringify(schedule)}: ${(e as Error).message}`);
      return;
    }
    if (policy !== undefined && !CONCURRENCY_POLICIES.includes(policy as ConcurrencyPolicy)) {
      problems.push(`cron[${i}].concurrency_policy must be ${CONCURRENCY_POLICIES.map((p) => `"${p}"`).join(', ')} (got ${JSON.stringify(policy)})`);
      return;
    }
    const id = cronJobId(schedule, command);
    if (out.some((j) => j.id === id)) {
      problems.push(`cron[${i}] repeats an earlier job (same command and schedule)`);
      return;
    }
    out.push({ id, command, schedule: schedule.trim(), concurrency: (policy as ConcurrencyPolicy | undefined) ?? 'forbid' });
  });
  return out;
}

function parseBuildpacks(value: unknown, problems: string[]): string[] {
  if (!Array.isArray(value)) {
    problems.push('buildpacks must be a list of {"url": "…"}');
    return [];
  }
  const out: string[] = [];
  value.forEach((entry: unknown, i) => {
    const url = isObject(entry) ? entry.url : undefined;
    if (typeof url !== 'string' || url.trim() === '' || url.length > 500 || url.startsWith('-')) problems.push(`buildpacks[${i}] must be {"url": "…"}`);
    else out.push(url.trim());
  });
  return out;
}

/** The message of the catalogue error a check throws, without its final full stop; undefined when it passes. */
function problemOf(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (e) {
    if (!(e instanceof BerthError)) throw e;
    return e.message.replace(/\.$/, '');
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(problems: string[]): BerthError {
  return new BerthError('build_failed', `app.json is not valid: ${problems.join('; ')}.`, 'build');
}
