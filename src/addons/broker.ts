// The service-broker contract, in the shape of the Open Service Broker API: a broker provisions
// service instances, binds them (credentials), unbinds and deprovisions them. Brokers keep their
// own state under their folder of BERTH_HOME/addons; the platform keeps only ids and plans.
import type { Plan } from './plans.js';

export interface Credentials {
  /** `postgres://user:password@<host>:port/db`, `redis://default:password@<host>:port`; host from the AddonNetwork. */
  url: string;
}

/** What `addons:info` shows about the server behind an instance. */
export interface InstanceStatus {
  /** up: serving; starting: being started or restarted; down: not running (yet); missing: no such instance. */
  state: 'up' | 'starting' | 'down' | 'missing';
  /** How many times Berth restarted a crashed server since it began supervising it. */
  restarts: number;
  /** Plan limits and where the server listens, e.g. `{ connections: "20", port: "54321" }`. */
  details: Record<string, string>;
}

export interface Broker {
  /** `postgresql`, `redis`: the service part of a plan name. */
  readonly service: string;
  /** The config var stem an attachment gets by default: `DATABASE`, `REDIS`. */
  readonly defaultAttachmentName: string;
  /**
   * Creates the instance (a database and role, a server…) and returns once it accepts
   * connections. Provisioning an id that already exists fails. Ids are the platform's, [a-z0-9-].
   */
  provision(instanceId: string, plan: Plan): Promise<void>;
  /** Credentials for one binding of the instance. */
  bind(instanceId: string, bindingId: string): Promise<Credentials>;
  unbind(instanceId: string, bindingId: string): Promise<void>;
  /** Deletes the instance and its data for good. Deprovisioning a missing instance is a no-op. */
  deprovision(instanceId: string): Promise<void>;
  status(instanceId: string): Promise<InstanceStatus>;
  /**
   * Supervises the broker's servers until the signal aborts: adopts servers a previous Berth
   * left running, restarts crashed ones. The servers keep running after the abort.
   */
  start(signal: AbortSignal): Promise<void>;
  /** Stops every server of the broker (tests, uninstall); their data stays. */
  stopServers(): Promise<void>;
  /** Present on brokers that can dump and restore their data (pg:backups). */
  readonly backups?: BackupCapability;
}

export interface BackupCapability {
  /** Writes a dump of the instance's data to `file`. */
  capture(instanceId: string, file: string): Promise<void>;
  /** Replaces the instance's data with the dump in `file`. */
  restore(instanceId: string, file: string): Promise<void>;
}

/** Instance ids become database, role and directory names: keep them to one safe alphabet. */
export const INSTANCE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function checkInstanceId(id: string): string {
  if (!INSTANCE_ID.test(id)) throw new Error(`invalid add-on instance id ${JSON.stringify(id)}`);
  return id;
}
