// Errors the client raises: the API's own Heroku-style error body, or a failure to reach it at all.

/** An error response from the API: `{ "id": "not_found", "message": "...", "resource": "app" }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** Heroku's error id, e.g. `not_found`, `forbidden`, `unauthorized`, `invalid_params`. */
    readonly id: string,
    message: string,
    readonly resource?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API could not be reached (refused, DNS, reset): nothing was answered. */
export class ConnectionError extends Error {
  constructor(readonly url: string, readonly reason: string) {
    super(`Cannot reach the Berth API at ${url} (${reason}). Is the server running? Set BERTH_API_URL to point elsewhere.`);
    this.name = 'ConnectionError';
  }
}

/** Builds an ApiError from any response body, tolerating non-Heroku bodies (proxies, frameworks). */
export function apiErrorFrom(status: number, statusText: string, body: unknown): ApiError {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const message = typeof b.message === 'string' && b.message ? b.message : statusText || `HTTP ${status}`;
    const id = typeof b.id === 'string' ? b.id : defaultId(status);
    return new ApiError(status, id, message, typeof b.resource === 'string' ? b.resource : undefined);
  }
  const text = typeof body === 'string' && body.trim() ? body.trim().split('\n')[0]! : statusText || `HTTP ${status}`;
  return new ApiError(status, defaultId(status), text);
}

function defaultId(status: number): string {
  switch (status) {
    case 400: return 'bad_request';
    case 401: return 'unauthorized';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 409: return 'conflict';
    case 422: return 'invalid_params';
    default: return status >= 500 ? 'internal_server_error' : 'error';
  }
}
