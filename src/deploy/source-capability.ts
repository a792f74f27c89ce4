// The capability URLs of an uploaded source (Heroku's pre-signed put_url / get_url): the URL is
// the credential, so it carries a 256-bit random secret, and only the secret's hash is kept.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A source's public id: 128 random bits, which name the source but grant nothing. */
export const newSourceId = (): string => randomBytes(16).toString('base64url');

/** A one-purpose secret: 256 random bits, shown once in a URL. */
export const newSourceSecret = (): string => randomBytes(32).toString('base64url');

export const hashSourceSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Compares in constant time, so response timing does not reveal how much of a guess was right. */
export function secretMatches(secret: string, hash: string): boolean {
  const a = Buffer.from(hashSourceSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

const ID = '[A-Za-z0-9_-]{22}';
const SECRET = '[A-Za-z0-9_-]{43}';
export const SOURCE_ID_PATTERN = new RegExp(`^${ID}$`);
export const SOURCE_SECRET_PATTERN = new RegExp(`^${SECRET}$`);

/** The path of a source capability on the API, e.g. `/sources/<id>/<secret>`. */
export const sourceCapabilityPath = (id: string, secret: string): string => `/sources/${id}/${secret}`;

/** The id and secret in a capability URL, or undefined for anything else (other hosts' URLs included). */
export function parseSourceUrl(url: unknown): { id: string; secret: string } | undefined {
  if (typeof url !== 'string') return undefined;
  const m = new RegExp(`/sources/(${ID})/(${SECRET})$`).exec(url.split('?')[0]!);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}
