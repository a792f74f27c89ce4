// Requests of each app in flight right now, the router's concurrency reading: a request counts from
// the moment its app is known until its outcome is reported.

export class InFlightRequests {
  private readonly perApp = new Map<string, number>();

  /** Counts one more request of the app; returns how many are in flight now, this one included. */
  begin(appId: string): number {
    const n = (this.perApp.get(appId) ?? 0) + 1;
    this.perApp.set(appId, n);
    return n;
  }

  /** How many of the app's requests are in flight. */
  now(appId: string): number {
    return this.perApp.get(appId) ?? 0;
  }

  end(appId: string): void {
    const n = (this.perApp.get(appId) ?? 0) - 1;
    // Forgotten at zero: an app nobody calls any more leaves nothing behind.
    if (n > 0) this.perApp.set(appId, n);
    else this.perApp.delete(appId);
  }
}
