// The one error catalogue. Domain and services throw BerthError with a stable code;
// only api/ decides which HTTP status and Heroku error id a code becomes.

export type ErrorCode =
  | 'bad_request'          // malformed JSON, wrong types
  | 'invalid_params'       // well-formed but not acceptable (bad name, bad key)
  | 'name_taken'
  | 'unauthorized'         // no or bad credentials
  | 'forbidden'            // authenticated, but not yours
  | 'not_found'
  | 'app_not_found'
  | 'release_not_found'
  | 'formation_not_found'
  | 'user_not_found'
  | 'build_not_found'
  | 'source_not_found'
  | 'dyno_not_found'
  | 'too_many_one_offs'    // the app already runs as many one-off dynos as it may
  | 'addon_not_found'
  | 'addon_attachment_not_found'
  | 'backup_not_found'
  | 'cron_job_not_found'   // no scheduled job with that id in the app's current release
  | 'confirmation_required' // a destructive action needs ?confirm=<app>
  | 'conflict'
  | 'payload_too_large'
  | 'config_too_large'     // an app's config vars over their size or count limit
  | 'quota_exceeded'       // a per-user limit (e.g. pending sources) is used up; nothing was stored
  | 'over_team_quota'      // a change would take a team over its quota (instances, memory, add-ons); nothing was changed
  | 'unsafe_tarball'
  | 'build_failed'
  | 'start_refused'        // a runtime cannot start this instance as asked (no such slug/image, bad command or size): retrying unchanged fails the same way
  | 'not_implemented';

export class BerthError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The kind of resource involved, echoed as Heroku's `resource` field. */
    readonly resource?: string,
  ) {
    super(message);
    this.name = 'BerthError';
  }
}

export const isBerthError = (e: unknown): e is BerthError => e instanceof BerthError;
