// A Broker for in-process API tests: instances are names in a set, credentials are made up, backups
// write a small file. It keeps the contract's shape so services run unchanged against it.
import { writeFile } from 'node:fs/promises';
import type { Broker, Credentials, InstanceStatus } from '../broker.js';

export class FakeBroker implements Broker {
  readonly instances = new Set<string>();
  readonly defaultAttachmentName: string;

  constructor(readonly service: string) {
    this.defaultAttachmentName = service === 'redis' ? 'REDIS' : 'DATABASE';
  }

  async provision(id: string): Promise<void> {
    if (this.instances.has(id)) throw new Error(`instance ${id} exists`);
    this.instances.add(id);
  }
  async bind(id: string, binding: string): Promise<Credentials> {
    return { url: `${this.service}://u-${binding}:secret@127.0.0.1:5432/${id}` };
  }
  async unbind(): Promise<void> {}
  async deprovision(id: string): Promise<void> {
    this.instances.delete(id);
  }
  async status(id: string): Promise<InstanceStatus> {
    return { state: this.instances.has(id) ? 'up' : 'missing', restarts: 0, details: {} };
  }
  async start(): Promise<void> {}
  async stopServers(): Promise<void> {}
  readonly backups = {
    capture: async (_id: string, file: string) => writeFile(file, 'dump'),
    restore: async () => undefined,
  };
}
