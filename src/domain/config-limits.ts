// How much config an app may hold. Every release keeps the config it ran with, and every dyno
// carries it in its environment, so an unbounded config is a cost every tenant shares.
import { BerthError } from './errors.js';
import type { ConfigVars } from './types.js';

/** Heroku's limit: 32 kB for all keys and values of an app together. */
export const MAX_CONFIG_BYTES = 32 * 1024;
/** Far more than real apps use; keeps descriptions, audit entries and environments small. */
export const MAX_CONFIG_VARS = 500;

export interface ConfigSize { bytes: number; count: number }

/** UTF-8 bytes of every key and value, and the number of vars. */
export function configSize(vars: ConfigVars): ConfigSize {
  let bytes = 0;
  let count = 0;
  for (const [key, value] of Object.entries(vars)) {
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    count++;
  }
  return { bytes, count };
}

/**
 * Refuses a new config over the limits. A config stored over them before they existed may still
 * shrink, so that its owner can bring it back under step by step; it may not grow.
 */
export function checkConfigLimits(next: ConfigVars, current: ConfigVars): void {
  const after = configSize(next);
  const before = configSize(current);
  if (after.bytes > MAX_CONFIG_BYTES && after.bytes > before.bytes) {
    throw new BerthError(
      'config_too_large',
      `Config vars would take ${after.bytes} bytes (keys and values together); the limit is ${MAX_CONFIG_BYTES} bytes (32 KiB) per app. Nothing was changed.`,
      'config_var',
    );
  }
  if (after.count > MAX_CONFIG_VARS && after.count > before.count) {
    throw new BerthError(
      'config_too_large',
      `The app would have ${after.count} config vars; the limit is ${MAX_CONFIG_VARS} per app. Nothing was changed.`,
      'config_var',
    );
  }
}
