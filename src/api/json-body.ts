// Request bodies at the edge: every JSON endpoint of the API takes one JSON object (as Heroku's
// do), so anything else is refused here once, before any route reads a field of it.
import { BerthError } from '../domain/errors.js';

/**
 * The body as an object, or undefined for an empty one: Heroku's clients send
 * `Content-Type: application/json` on bodiless requests too. Arrays, strings, numbers and
 * null are refused, since a route reading `body.name` off `[]` or `"x"` would act on defaults.
 */
export function parseJsonBody(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BerthError('bad_request', `Malformed JSON in request body: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new BerthError('bad_request', `The request body must be a JSON object ({...}), not ${kind}.`);
  }
  return value as Record<string, unknown>;
}
