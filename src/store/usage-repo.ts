// What the meter recorded: usage intervals (an instance, an add-on or a build, from its recorded
// start to its recorded end) and the router's bytes per app per minute. Usage is derived from these
// rows, never from a ticking counter, so a server restart can neither double count nor leave a gap.
// Rows keep the app's name, owner and team as they were when recorded: an app destroyed or moved to
// another team mid-month still appears on the bill it ran up that month.
import type { Id } from '../domain/types.js';

/** `oneoff`: a one-off dyno (`berth run`, a scheduled job), billed as an instance of its size. */
export type UsageKind = 'instance' | 'oneoff' | 'addon' | 'build';

export interface UsageInterval {
  kind: UsageKind;
  /** The runtime's instance id, a one-off's own id, the add-on's id or the build's id: one interval each. */
  id: string;
  appId: Id;
  appName: string;
  ownerId: Id;
  /** The team the app was in when this was recorded; null for a personal app. */
  teamId: Id | null;
  /** What is priced: the instance's size, the add-on's plan, `build`. */
  item: string;
  /** Instances and one-offs only: `web`, `worker`, `run`, `scheduler`, … */
  processType: string | null;
  startedAt: string;
  /** Null while it runs. */
  endedAt: string | null;
  /** The last time this server saw it still running: where an interval a dead server left open is closed. */
  seenAt: string;
}

/** Bytes the router sent to clients for one app in one minute; `id` makes a re-sent batch count once. */
export interface RouterBytes {
  id: string;
  appId: Id;
  /** ISO time of the minute's start. */
  minute: string;
  bytes: number;
}

/** Which rows a usage query reads: some apps (by id), one team's, one owner's personal apps', or everything. */
export interface UsageFilter {
  appIds?: readonly Id[];
  teamId?: Id;
  /** Rows of the owner's apps that were in no team. */
  ownerId?: Id;
}

export interface UsageRepo {
  /** Records the start (and, if known, the end); the first recorded start of an id stands. */
  open(i: Omit<UsageInterval, 'endedAt' | 'teamId'> & { endedAt?: string | null; teamId?: Id | null }): Promise<void>;
  /** Records the end of an open interval; an interval already closed keeps its end. */
  close(kind: UsageKind, id: string, endedAt: string): Promise<void>;
  /** Intervals still open, of one kind. */
  openIntervals(kind: UsageKind): Promise<UsageInterval[]>;
  /** Marks these open intervals as seen running at `at`. */
  seen(kind: UsageKind, ids: readonly string[], at: string): Promise<void>;
  /** Intervals that overlap [from, to), open ones included. */
  overlapping(from: string, to: string, filter?: UsageFilter): Promise<UsageInterval[]>;
  /**
   * Adds the router's byte counts (with the app's owner and team now); an id already recorded is
   * ignored. Counts for apps no longer there are dropped. Returns the ids recorded by this call:
   * what a re-sent batch brings again is not among them.
   */
  addRouterBytes(entries: readonly RouterBytes[]): Promise<string[]>;
  /** Bytes per app in [from, to), with the app's name and owner. */
  routerBytes(from: string, to: string, filter?: UsageFilter): Promise<Array<{ appId: Id; appName: string; ownerId: Id; bytes: number }>>;
}
