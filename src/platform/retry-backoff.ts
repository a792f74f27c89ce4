// Growing, capped delays between attempts at something that should work again later (a
// reconnect, a delivery, a restart): initial, then doubling up to the cap; reset on success.

export interface RetryBackoffOptions {
  initialMs: number;
  maxMs: number;
}

export class RetryBackoff {
  private attempts = 0;

  constructor(private readonly options: RetryBackoffOptions) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const delay = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.attempts, 30));
    this.attempts++;
    return delay;
  }

  reset(): void {
    this.attempts = 0;
  }

  get failures(): number {
    return this.attempts;
  }
}
