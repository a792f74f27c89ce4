// The log drains of each app (migration 10: log_drains). Removed with their app.
import type { LogDrain } from '../domain/log-drains.js';
import type { Id } from '../domain/types.js';

export interface NewLogDrain {
  appId: Id;
  url: string;
  token: string;
}

export interface LogDrainRepo {
  /** Throws `name_taken` when the app already has a drain with this URL. */
  create(drain: NewLogDrain): Promise<LogDrain>;
  /** The app's drains, oldest first. */
  list(appId: Id): Promise<LogDrain[]>;
  /** Every app's drains: what the deliveries resume with after a restart. */
  all(): Promise<LogDrain[]>;
  /** By id, URL or token (Heroku's log-drain identity), within the app. */
  find(appId: Id, identity: string): Promise<LogDrain | undefined>;
  delete(appId: Id, id: Id): Promise<void>;
}
