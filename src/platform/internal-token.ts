// The secret that Berth's own processes (API, routers) show each other on internal endpoints. It
// lives in BERTH_HOME/run/internal-token (0600) and is never an API token: no tenant holds it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { createPrivateFileOnce } from './private-file.js';

export const internalTokenPath = (runDir: string): string => join(runDir, 'internal-token');

/** Reads the token, creating it first if this is the first process to start. */
export function ensureInternalToken(runDir: string): string {
  const token = createPrivateFileOnce(internalTokenPath(runDir), randomBytes(32).toString('base64url')).trim();
  if (token.length < 32) throw new Error(`${internalTokenPath(runDir)} holds no usable token; remove it and restart`);
  return token;
}

/** Constant-time comparison, so the time of a refusal tells nothing about the token. */
export function isInternalToken(expected: string, offered: string | string[] | undefined): boolean {
  if (typeof offered !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(offered);
  return a.length === b.length && timingSafeEqual(a, b);
}
