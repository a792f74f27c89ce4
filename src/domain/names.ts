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

/** Config var keys: what a POSIX shell accepts as a variable name. */
export const CONFIG_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

export function validateConfigKey(key: string): string {
  if (!CONFIG_KEY_PATTERN.test(key)) {
    throw new BerthError(
      'invalid_params',
      `Invalid config var key ${JSON.stringify(key)}: use letters, digits and underscores, not starting with a digit.`,
      'config_var',
    );
  }
  return key;
}

/** A config value is stored exactly as given; only its size and NUL bytes are refused. */
export function validateConfigValue(key: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new BerthError('invalid_params', `Config var ${key} must be a string or null.`, 'config_var');
  }
  if (value.includes('\0')) {
    throw new BerthError('invalid_params', `Config var ${key} contains a NUL byte.`, 'config_var');
  }
  if (Buffer.byteLength(value) > 32 * 1024) {
    throw new BerthError('invalid_params', `Config var ${key} is longer than 32 KiB.`, 'config_var');
  }
  return value;
}

/** Process types as Heroku allows them in a Procfile. */
export const PROCESS_TYPE_PATTERN = /^[A-Za-z0-9_-]{1,30}$/;

export function validateProcessType(type: unknown): string {
  if (typeof type !== 'string' || !PROCESS_TYPE_PATTERN.test(type)) {
    throw new BerthError('invalid_params', `Invalid process type ${JSON.stringify(type)}: use letters, digits, "_" and "-".`, 'formation');
  }
  return type;
}

const EMAIL_PATTERN = /^[^\s@]{1,64}@[A-Za-z0-9.-]{1,190}$/;

export function validateEmail(email: unknown): string {
  if (typeof email !== 'string' || !EMAIL_PATTERN.test(email)) {
    throw new BerthError('invalid_params', `Invalid email address ${JSON.stringify(email)}.`, 'user');
  }
  return email.toLowerCase();
}
