// The port through which the router reports each request: RouterMinutes adds them up per app per
// minute (src/router/router-minutes.ts); tests plug in their own.

export interface RequestSample {
  appId: string;
  /** The status the client saw; 499 when the client went away (H27). */
  status: number;
  /** The Heroku router error the request ended in (`H12`, `H13`, ...), if any. */
  code?: string;
  durationMs: number;
  /** Bytes read from the client's connection for this request (request line, headers, body). */
  bytesIn: number;
  /** Response body bytes sent to the client (what the access log's `bytes=` says, and the meter bills). */
  bytesOut: number;
  /** Requests of the app in flight when this one started, itself included. */
  concurrent: number;
}

export interface RequestMetrics {
  onRequest(sample: RequestSample): void;
}

export const noRequestMetrics: RequestMetrics = { onRequest: () => {} };
