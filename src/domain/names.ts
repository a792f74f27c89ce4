// The strict patterns for every user-supplied name. Anything that reaches a path, an argv
// or a hostname passes through here first.
import { BerthError } from './errors.js';

export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{1,28}[a-z0-9]$/;

/** Names that would collide with Berth's own hostnames and routes. */
export const RESERVED_APP_NAMES: ReadonlySet<string> = new Set([
  'api', 'admin', 'app', 'apps', 'berth', 'dashboard', 'git', 'health', 'login', 'logout',
  'oauth', 'router', 'sources', 'static', 'status', 'www', 'mail', 'localhost', 'default',
]);

export const APP_NAME_RULE =
  'Name must start with a letter, contain only lowercase letters, digits and dashes, ' +
  'end with a letter or digit, and be 3 to 30 characters long.';

export function validateAppName(name: unknown): string {
  if (typeof name !== 'string' || !APP_NAME_PATTERN.test(name) || name.includes('--')) {
    throw new BerthError('invalid_params', `Invalid app name ${JSON.stringify(name)}. ${APP_NAME_RULE}`, 'app');
  }
  if (RESERVED_APP_NAMES.has(name)) {
    throw new BerthError('invalid_params', `The name "${name}" is reserved by Berth. Choose another name.`, 'app');
  }
  return name;
}

/** Config var keys: what a POSIX shell accepts as a variable name ("=" and NUL can never pass). */
export const CONFIG_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

/**
 * Variables every dyno gets from the runtime, which a config var could only shadow in some places
 * and not others (the runtime overrides them), so setting one is refused rather than ignored.
 */
export const PLATFORM_VARS: ReadonlySet<string> = new Set(['PORT', 'DYNO', 'HOME']);

export function validateConfigKey(key: string): string {
  if (!CONFIG_KEY_PATTERN.test(key)) {
    throw new BerthError(
      'invalid_params',
      `Invalid config var key ${JSON.stringify(key)}: use letters, digits and underscores, not starting with a digit.`,
      'config_var',
    );
  }
  // Assigning "__proto__" on a plain object changes its prototype instead of adding a key, in
  // Berth and in every JavaScript client that reads the config back.
  if (key === '__proto__') {
    throw new BerthError('invalid_params', 'Config var key "__proto__" is reserved: JavaScript treats it as an object\'s prototype.', 'config_var');
  }
  return key;
}

/** A key that may be given a value: valid, and not one the platform sets (those may still be unset). */
export function validateSettableConfigKey(key: string): string {
  validateConfigKey(key);
  if (PLATFORM_VARS.has(key)) {
    throw new BerthError('invalid_params', `${key} is set by the platform on every dyno and cannot be a config var.`, 'config_var');
  }
  return key;
}

/** A config value is stored exactly as given; only NUL bytes, which no environment can hold, are refused. */
export function validateConfigValue(key: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new BerthError('invalid_params', `Config var ${key} must be a string or null.`, 'config_var');
  }
  if (value.includes('\0')) {
    throw new BerthError('invalid_params', `Config var ${key} contains a NUL byte.`, 'config_var');
  }
  return value;
}

/**
 * Process types as Heroku allows them: a lowercase letter, then lowercase letters, digits, "_"
 * and "-", 30 characters at most. The one rule for Procfiles, build output, the formation,
 * ps:scale / ps:type and dyno names.
 */
export const PROCESS_TYPE_PATTERN = /^[a-z][a-z0-9_-]{0,29}$/;

export const PROCESS_TYPE_RULE = 'use a lowercase letter, then lowercase letters, digits, "_" or "-", 30 characters at most';

/**
 * Names an object inherits (`constructor`, and any future lowercase one) would answer a lookup in
 * a map of process types that does not define them, and start a dyno with no real command.
 */
const isInheritedName = (name: string): boolean => Object.hasOwn(Object.prototype, name);

export function isProcessType(type: unknown): type is string {
  return typeof type === 'string' && PROCESS_TYPE_PATTERN.test(type) && !isInheritedName(type);
}

export function processTypeProblem(type: string): string {
  return isInheritedName(type) && PROCESS_TYPE_PATTERN.test(type)
    ? `process type ${JSON.stringify(type)} is reserved (it names a built-in JavaScript property)`
    : `invalid process type ${JSON.stringify(type)}: ${PROCESS_TYPE_RULE}`;
}

export function validateProcessType(type: unknown): string {
  if (!isProcessType(type)) {
    const text = typeof type === 'string' ? type : String(type);
    throw new BerthError('invalid_params', `${capitalise(processTypeProblem(text))}.`, 'formation');
  }
  return type;
}

/** A dyno name (`web.1`, `run.4821`) or a whole process type (`web`), as ps:restart and ps:stop take them. */
export function validateDynoName(name: unknown): string {
  const [type, index, ...rest] = typeof name === 'string' ? name.split('.') : [];
  if (!isProcessType(type) || (index !== undefined && !/^\d{1,6}$/.test(index)) || rest.length > 0) {
    throw new BerthError('invalid_params', `Invalid dyno name ${JSON.stringify(name)}: a process type (${PROCESS_TYPE_RULE}), optionally followed by "." and a number.`, 'dyno');
  }
  return name as string;
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const EMAIL_PATTERN = /^[^\s@]{1,64}@[A-Za-z0-9.-]{1,190}$/;

export function validateEmail(email: unknown): string {
  if (typeof email !== 'string' || !EMAIL_PATTERN.test(email)) {
    throw new BerthError('invalid_params', `Invalid email address ${JSON.stringify(email)}.`, 'user');
  }
  return email.toLowerCase();
}

/** Team names follow the app name rule (Heroku's teams do): they appear in URLs and CLI flags. */
export function validateTeamName(name: unknown): string {
  if (typeof name !== 'string' || !APP_NAME_PATTERN.test(name) || name.includes('--')) {
    throw new BerthError('invalid_params', `Invalid team name ${JSON.stringify(name)}. ${APP_NAME_RULE}`, 'team');
  }
  // Heroku's /teams/apps/… and /teams/permissions would shadow a team of that name.
  if (name === 'apps' || name === 'permissions') throw new BerthError('invalid_params', `The team name "${name}" is reserved. Choose another name.`, 'team');
  return name;
}
