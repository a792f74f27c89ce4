// Why an instance could not be started, and whether trying again can help. A runtime says "this
// can never start as asked" with the catalogue's `start_refused`; everything else (an engine that
// did not answer, a busy port, a 409 from Docker) may pass on a later try.
import { isBerthError } from '../domain/errors.js';

export type StartFailure = { kind: 'terminal'; message: string } | { kind: 'retry-later'; message: string };

export function classifyStartFailure(error: unknown): StartFailure {
  const message = error instanceof Error ? error.message : String(error);
  return isBerthError(error) && error.code === 'start_refused' ? { kind: 'terminal', message } : { kind: 'retry-later', message };
}
