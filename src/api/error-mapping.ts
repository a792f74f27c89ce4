// The only place that turns error codes into HTTP statuses and Heroku's error ids.
import type { ErrorCode } from '../domain/errors.js';

export const ERROR_HTTP: Record<ErrorCode, { status: number; id: string }> = {
  bad_request: { status: 400, id: 'bad_request' },
  invalid_params: { status: 422, id: 'invalid_params' },
  name_taken: { status: 422, id: 'invalid_params' },
  unauthorized: { status: 401, id: 'unauthorized' },
  forbidden: { status: 403, id: 'forbidden' },
  not_found: { status: 404, id: 'not_found' },
  app_not_found: { status: 404, id: 'not_found' },
  release_not_found: { status: 404, id: 'not_found' },
  formation_not_found: { status: 404, id: 'not_found' },
  user_not_found: { status: 404, id: 'not_found' },
  build_not_found: { status: 404, id: 'not_found' },
  source_not_found: { status: 404, id: 'not_found' },
  dyno_not_found: { status: 404, id: 'not_found' },
  too_many_one_offs: { status: 429, id: 'too_many_one_offs' },
  addon_not_found: { status: 404, id: 'not_found' },
  addon_attachment_not_found: { status: 404, id: 'not_found' },
  backup_not_found: { status: 404, id: 'not_found' },
  cron_job_not_found: { status: 404, id: 'not_found' },
  confirmation_required: { status: 423, id: 'confirmation_required' },
  conflict: { status: 409, id: 'conflict' },
  payload_too_large: { status: 413, id: 'request_entity_too_large' },
  config_too_large: { status: 422, id: 'config_too_large' },
  quota_exceeded: { status: 429, id: 'quota_exceeded' },
  over_team_quota: { status: 422, id: 'over_quota' },
  unsafe_tarball: { status: 422, id: 'invalid_params' },
  build_failed: { status: 422, id: 'build_failed' },
  start_refused: { status: 422, id: 'start_refused' },
  not_implemented: { status: 501, id: 'not_implemented' },
};

export interface ErrorBody {
  id: string;
  message: string;
  resource?: string;
}
