// The secret a Prometheus server shows to scrape `GET /metrics`: made at the first start in
// BERTH_HOME/metrics-scrape-token (0600), read by the admin with `berth metrics:token`. It opens
// /metrics and nothing else; it is not an API token, so a leaked scrape config reaches no app.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { createPrivateFileOnce } from '../platform/private-file.js';

export const scrapeTokenPath = (home: string): string => join(home, 'metrics-scrape-token');

/** Reads the token, creating it first if there is none yet. */
export function ensureScrapeToken(home: string): string {
  const token = createPrivateFileOnce(scrapeTokenPath(home), `berth-scrape-${randomBytes(32).toString('base64url')}\n`).trim();
  if (token.length < 32) throw new Error(`${scrapeTokenPath(home)} holds no usable token; remove it and restart`);
  return token;
}

/** Constant-time comparison, so the time of a refusal tells nothing about the token. */
export function isScrapeToken(expected: string, offered: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(offered);
  return a.length === b.length && timingSafeEqual(a, b);
}
