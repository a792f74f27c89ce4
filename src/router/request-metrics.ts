// The port through which the router reports each request, so a metrics module can plug in later.

export interface RequestSample {
  appId: string;
  /** The status the client saw; 499 when the client went away (H27). */
  status: number;
  durationMs: number;
  /** Response body bytes sent to the client. */
  bytes: number;
}

export interface RequestMetrics {
  onRequest(sample: RequestSample): void;
}

export const noRequestMetrics: RequestMetrics = { onRequest: () => {} };
