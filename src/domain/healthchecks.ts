// Dokku's app.json `healthchecks`, as a release keeps them: per process type, the checks its
// instances must pass. Kept with the slug (as its process types are), so a rollback runs its own
// release's checks. Times are in seconds, as written in app.json.

/**
 * `startup` and `readiness` checks gate traffic: a new instance gets none until they pass, and a
 * startup check that fails them all fails the rollout. `liveness` checks watch an instance that is
 * up and restart it (as a crash) when it fails them `attempts` times in a row.
 */
export type HealthcheckType = 'startup' | 'readiness' | 'liveness';
export const HEALTHCHECK_TYPES: readonly HealthcheckType[] = ['startup', 'readiness', 'liveness'];

/**
 * How a check is made. `path`: an HTTP GET of the path on the instance's $PORT, passing on a 2xx
 * answer whose body holds `content` (when given). `listening`: something accepts TCP connections on
 * $PORT. `uptime`: the instance has run `uptime` seconds.
 */
export type HealthcheckKind = 'path' | 'listening' | 'uptime';

export interface Healthcheck {
  type: HealthcheckType;
  /** As written, or made from the check (`startup GET /health`): the name the failure message shows. */
  name: string;
  kind: HealthcheckKind;
  path?: string;
  content?: string;
  uptime?: number;
  /** Attempts before the check fails (a gate) or failures in a row before a restart (liveness). */
  attempts: number;
  /** Seconds one attempt may take. */
  timeout: number;
  /** Seconds between attempts. */
  wait: number;
  /** Seconds after the instance started before the first attempt. */
  initialDelay: number;
}

/** Process type → its checks; a type absent here has only Berth's own check (web: $PORT accepts). */
export type Healthchecks = Record<string, Healthcheck[]>;

/** Dokku's defaults (docker-container-healthchecker's file format). */
export const HEALTHCHECK_DEFAULTS = { attempts: 3, timeout: 5, wait: 5, initialDelay: 0 } as const;

/** What a check does, in the words of a log line: `GET /health (body must contain "ok")`. */
export function describeHealthcheck(check: Healthcheck): string {
  switch (check.kind) {
    case 'path': return `GET ${check.path}${check.content !== undefined ? ` (body must contain ${JSON.stringify(check.content)})` : ''}`;
    case 'listening': return 'a connection to $PORT';
    case 'uptime': return `${check.uptime ?? 0} s of uptime`;
  }
}

/** The checks that must pass before an instance gets traffic. */
export const isGate = (check: Healthcheck): boolean => check.type !== 'liveness';

/**
 * The longest the gate checks of a release may take once its instances listen, in ms: what a
 * deploy adds to its wait for the launch, so a slow but passing check is not reported as unfinished.
 */
export function gateBudgetMs(checks: Healthchecks): number {
  let most = 0;
  for (const list of Object.values(checks)) {
    const total = list.filter(isGate)
      .reduce((sum, c) => sum + c.initialDelay + (c.uptime ?? 0) + c.attempts * (c.timeout + Math.max(1, c.wait)), 0);
    most = Math.max(most, total);
  }
  return most * 1000;
}
