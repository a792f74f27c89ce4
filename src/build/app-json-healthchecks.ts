// The `healthchecks` key of app.json (Dokku's): process type → list of checks. Part of the one
// typed read of the manifest (app-json.ts); a malformed check is a problem that refuses the deploy,
// a field Berth does not honour is listed once in the build output and the check kept without it.
import { HEALTHCHECK_DEFAULTS, HEALTHCHECK_TYPES, type Healthcheck, type HealthcheckType, type Healthchecks } from '../domain/healthchecks.js';
import { isProcessType, processTypeProblem } from '../domain/names.js';

/** Fields of Dokku's format that change nothing here, and why. */
const NOT_HONOURED: Readonly<Record<string, string>> = {
  port: 'checks go to the instance\'s $PORT',
  scheme: 'checks use http to the instance',
  httpHeaders: 'not supported',
  warn: 'not supported',
  onFailure: 'not supported',
};
const MAX_CONTENT = 1024;
const MAX_PATH = 2048;

/** Bounds on the numbers, in seconds (attempts a count): generous, but no check may stall a deploy for days. */
const NUMBERS: Readonly<Record<'attempts' | 'timeout' | 'wait' | 'initialDelay' | 'uptime', { min: number; max: number }>> = {
  attempts: { min: 1, max: 100 },
  timeout: { min: 1, max: 300 },
  wait: { min: 0, max: 3600 },
  initialDelay: { min: 0, max: 3600 },
  uptime: { min: 0, max: 3600 },
};

export function parseHealthchecks(value: unknown, problems: string[], ignored: string[]): Healthchecks {
  const out: Healthchecks = {};
  if (!isObject(value)) {
    problems.push('healthchecks must be an object of process type → list of checks');
    return out;
  }
  for (const [type, list] of Object.entries(value)) {
    if (!isProcessType(type)) {
      problems.push(`healthchecks: ${processTypeProblem(type)}`);
      continue;
    }
    if (!Array.isArray(list)) {
      problems.push(`healthchecks.${type} must be a list of checks [{"type": "startup", "path": "/health"}]`);
      continue;
    }
    const checks: Healthcheck[] = [];
    list.forEach((entry: unknown, i) => {
      const check = parseCheck(entry, `healthchecks.${type}[${i}]`, problems, ignored);
      if (check) checks.push(check);
    });
    if (checks.length > 0) out[type] = checks;
  }
  return out;
}

function parseCheck(entry: unknown, at: string, problems: string[], ignored: string[]): Healthcheck | undefined {
  if (!isObject(entry)) {
    problems.push(`${at} must be an object {"type": "startup", "path": "/health"}`);
    return undefined;
  }
  const before = problems.length;
  let type: HealthcheckType = 'startup'; // Dokku's default
  if (entry.type !== undefined) {
    if (!HEALTHCHECK_TYPES.includes(entry.type as HealthcheckType)) problems.push(`${at}.type must be one of ${HEALTHCHECK_TYPES.join(', ')} (got ${JSON.stringify(entry.type)})`);
    else type = entry.type as HealthcheckType;
  }
  if (entry.command !== undefined) {
    // A command check runs inside the instance; Berth has no such probe yet, and a gate it
    // silently skipped would let a broken release take traffic, so the check is refused.
    problems.push(`${at}: command checks are not supported; use "path" (an HTTP GET on $PORT), "listening" or "uptime"`);
  }
  const num = (key: keyof typeof NUMBERS): number | undefined => {
    const v = entry[key];
    if (v === undefined) return undefined;
    const { min, max } = NUMBERS[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${at}.${key} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
      return undefined;
    }
    return v;
  };
  const attempts = num('attempts');
  const timeout = num('timeout');
  const wait = num('wait');
  const initialDelay = num('initialDelay');
  const uptime = num('uptime');
  let path: string | undefined;
  if (entry.path !== undefined) {
    if (typeof entry.path !== 'string' || !entry.path.startsWith('/') || entry.path.length > MAX_PATH || /[\s\u0000-\u001f\u007f]/.test(entry.path)) {
      problems.push(`${at}.path must be a URL path starting with / and without spaces (got ${JSON.stringify(entry.path)})`);
    } else path = entry.path;
  }
  let content: string | undefined;
  if (entry.content !== undefined) {
    if (typeof entry.content !== 'string' || entry.content.length === 0 || entry.content.length > MAX_CONTENT) problems.push(`${at}.content must be a non-empty string of at most ${MAX_CONTENT} characters`);
    else if (entry.path === undefined) problems.push(`${at}.content needs a "path" to fetch`);
    else content = entry.content;
  }
  if (entry.listening !== undefined && typeof entry.listening !== 'boolean') problems.push(`${at}.listening must be true or false`);
  const listening = entry.listening === true;
  const strategies = [path !== undefined || entry.path !== undefined, listening, entry.uptime !== undefined].filter(Boolean).length;
  if (strategies > 1) problems.push(`${at} must use one of "path", "listening" and "uptime", not several`);
  if (entry.name !== undefined && (typeof entry.name !== 'string' || entry.name.trim() === '' || entry.name.length > 200)) problems.push(`${at}.name must be a non-empty string`);
  for (const key of Object.keys(entry)) {
    if (NOT_HONOURED[key]) ignored.push(`${at}.${key} (${NOT_HONOURED[key]})`);
  }
  if (problems.length > before) return undefined;

  // Dokku: a check with no strategy is an uptime check (of 0 s unless `uptime` says more).
  const kind = path !== undefined ? 'path' : listening ? 'listening' : 'uptime';
  const check: Healthcheck = {
    type, name: '', kind,
    attempts: attempts ?? HEALTHCHECK_DEFAULTS.attempts,
    timeout: timeout ?? HEALTHCHECK_DEFAULTS.timeout,
    wait: wait ?? HEALTHCHECK_DEFAULTS.wait,
    initialDelay: initialDelay ?? HEALTHCHECK_DEFAULTS.initialDelay,
  };
  if (path !== undefined) check.path = path;
  if (content !== undefined) check.content = content;
  if (kind === 'uptime') check.uptime = uptime ?? 0;
  check.name = typeof entry.name === 'string' ? entry.name.trim() : `${type} ${kind === 'path' ? path : kind}`;
  return check;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
