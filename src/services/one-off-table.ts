// The one owner of "which one-off dynos does each app have right now". A one-off holds a place
// here from the moment it is accepted (an attached one before its client connects) until its
// process is gone, so the per-app cap counts everything that runs or is about to.
import { randomInt } from 'node:crypto';
import { BerthError } from '../domain/errors.js';
import { MAX_RUNNING_ONE_OFFS_PER_APP } from '../domain/one-off-limits.js';
import type { DynoView } from './dyno-directory.js';

export type OneOffFacts = Omit<DynoView, 'id' | 'name' | 'type' | 'state'>;
/** `run`: berth run; `scheduler`: a scheduled job (app.json cron), as Heroku Scheduler's dynos are named. */
export type OneOffType = 'run' | 'scheduler';

/** One accepted one-off dyno; aborting `stop` stops its process (or keeps it from ever starting). */
export interface OneOffEntry {
  readonly appId: string;
  readonly type: OneOffType;
  readonly name: string;
  readonly facts: OneOffFacts;
  readonly stop: AbortController;
  /** Set when its process is being launched; from then on the runtime owns stopping it. */
  running: boolean;
}

export class OneOffTable {
  private readonly byApp = new Map<string, Map<string, OneOffEntry>>();

  constructor(private readonly maxPerApp = MAX_RUNNING_ONE_OFFS_PER_APP) {}

  /** Takes a place for a new one-off, named `run.N` or `scheduler.N` (unique within the app), or refuses past the cap. */
  reserve(appId: string, facts: OneOffFacts, type: OneOffType = 'run'): OneOffEntry {
    const entries = this.byApp.get(appId) ?? new Map<string, OneOffEntry>();
    if (entries.size >= this.maxPerApp) {
      throw new BerthError('too_many_one_offs',
        `An app may run at most ${this.maxPerApp} one-off dynos at once; stop one first (berth ps:stop run.N).`, 'dyno');
    }
    let name: string;
    do name = `${type}.${randomInt(1000, 10000)}`; while (entries.has(name));
    const entry: OneOffEntry = { appId, type, name, facts, stop: new AbortController(), running: false };
    entries.set(name, entry);
    this.byApp.set(appId, entries);
    return entry;
  }

  /** Gives the place back once the one-off's process is gone (or it will never start). */
  release(entry: OneOffEntry): void {
    const entries = this.byApp.get(entry.appId);
    if (entries?.get(entry.name) !== entry) return;
    entries.delete(entry.name);
    if (entries.size === 0) this.byApp.delete(entry.appId);
  }

  list(appId: string): DynoView[] {
    return [...(this.byApp.get(appId)?.values() ?? [])].map((e) => ({
      ...e.facts, id: e.name, name: e.name, type: e.type, state: e.stop.signal.aborted ? 'down' : e.running ? 'up' : 'starting',
    }));
  }

  /** Stops the named one-off (or all of a type with `run` or `scheduler`); returns how many. */
  stop(appId: string, name: string, reason: string): number {
    return this.stopWhere(appId, (e) => e.type === name || e.name === name, reason);
  }

  /** Stops every one-off of the app (it is being destroyed); returns how many. */
  stopAll(appId: string, reason: string): number {
    return this.stopWhere(appId, () => true, reason);
  }

  private stopWhere(appId: string, which: (e: OneOffEntry) => boolean, reason: string): number {
    const entries = [...(this.byApp.get(appId)?.values() ?? [])].filter(which);
    for (const e of entries) {
      e.stop.abort(reason);
      // One that never started has no process to wait for: its place is free at once.
      if (!e.running) this.release(e);
    }
    return entries.length;
  }
}
