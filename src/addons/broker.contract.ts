// The contract every Broker passes, against its real servers. Call brokerContract() from a
// broker's test file with a harness that knows how to talk to the service it provisions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from './broker.js';
import type { Plan } from './plans.js';

export interface ServiceClient {
  /** Stores `value` through the credentials in `url` (a row, a key). */
  write(url: string, value: string): Promise<void>;
  /** The value last written through `url`, or undefined when nothing can be read. */
  read(url: string): Promise<string | undefined>;
  /** Can the credentials of `ownUrl` reach the data behind `otherUrl`? */
  canReach(ownUrl: string, otherUrl: string): Promise<boolean>;
}

export interface BrokerHarness {
  broker: Broker;
  /** A new broker object on the same BERTH_HOME: what the next Berth process makes. */
  reopen(): Broker;
  plan: Plan;
  client: ServiceClient;
  /** The pid of the server process behind an instance, to crash it. */
  serverPid(instanceId: string): Promise<number | undefined>;
  /** Stops every server and removes the home. */
  cleanup(): Promise<void>;
}

const waitUntil = async (probe: () => Promise<boolean>, what: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

export function brokerContract(name: string, open: () => Promise<BrokerHarness>): void {
  describe(`Broker contract: ${name}`, () => {
    let h: BrokerHarness;
    let broker: Broker;
    const supervision = new AbortController();
    let n = 0;
    const newId = () => `contract-${process.pid}-${++n}`;

    beforeAll(async () => {
      h = await open();
      broker = h.broker;
      await broker.start(supervision.signal);
    });
    afterAll(async () => {
      supervision.abort();
      await h?.cleanup();
    });

    it('provisions an instance whose bound credentials store and return data', async () => {
      const id = newId();
      await broker.provision(id, h.plan);
      const { url } = await broker.bind(id, `${id}-binding`);
      expect(url).toMatch(/^[a-z]+:\/\/[^@]*:[^@]+@127\.0\.0\.1:\d+/);
      await h.client.write(url, 'hello from the contract');
      expect(await h.client.read(url)).toBe('hello from the contract');
      expect((await broker.status(id)).state).toBe('up');
    });

    it('keeps instances apart: one instance\'s credentials cannot reach another\'s data', async () => {
      const a = newId();
      const b = newId();
      await broker.provision(a, h.plan);
      await broker.provision(b, h.plan);
      const urlA = (await broker.bind(a, 'x')).url;
      const urlB = (await broker.bind(b, 'y')).url;
      await h.client.write(urlA, 'secret of a');
      expect(urlA).not.toBe(urlB);
      expect(await h.client.canReach(urlB, urlB)).toBe(true);
      expect(await h.client.canReach(urlB, urlA)).toBe(false);
      expect(await h.client.canReach(urlA, urlB)).toBe(false);
    });

    it('refuses to provision an id twice and leaves the first instance intact', async () => {
      const id = newId();
      await broker.provision(id, h.plan);
      const { url } = await broker.bind(id, 'b');
      await h.client.write(url, 'first');
      await expect(broker.provision(id, h.plan)).rejects.toThrow();
      expect(await h.client.read(url)).toBe('first');
    });

    it('deprovisions: the data and the credentials are gone, and doing it again is a no-op', async () => {
      const id = newId();
      await broker.provision(id, h.plan);
      const { url } = await broker.bind(id, 'b');
      await h.client.write(url, 'doomed');
      await broker.unbind(id, 'b');
      await broker.deprovision(id);
      expect((await broker.status(id)).state).toBe('missing');
      expect(await h.client.read(url)).toBeUndefined();
      await broker.deprovision(id);
    });

    it('restarts a crashed server and counts the restart; the data is still there', async () => {
      const id = newId();
      await broker.provision(id, h.plan);
      const { url } = await broker.bind(id, 'b');
      await h.client.write(url, 'durable');
      const pid = await h.serverPid(id);
      expect(pid).toBeGreaterThan(0);
      const before = (await broker.status(id)).restarts;
      process.kill(pid!, 'SIGKILL');
      await waitUntil(async () => (await h.serverPid(id)) !== pid && (await broker.status(id)).state === 'up', 'the server to be restarted');
      expect((await broker.status(id)).restarts).toBeGreaterThan(before);
      await waitUntil(async () => (await h.client.read(url)) === 'durable', 'the data to be readable again');
    });

    it('survives a Berth restart: the next broker adopts the running server and keeps the data', async () => {
      const id = newId();
      await broker.provision(id, h.plan);
      const { url } = await broker.bind(id, 'b');
      await h.client.write(url, 'across restarts');
      const pid = await h.serverPid(id);
      supervision.abort();
      const next = h.reopen();
      const again = new AbortController();
      try {
        await next.start(again.signal);
        expect((await next.bind(id, 'b')).url).toBe(url);
        await waitUntil(async () => (await next.status(id)).state === 'up', 'the adopted server to be up');
        expect(await h.serverPid(id)).toBe(pid);
        expect(await h.client.read(url)).toBe('across restarts');
        // And after its servers stop, starting again brings them back with the data.
        await next.stopServers();
        expect(await h.client.read(url)).toBeUndefined();
        const third = h.reopen();
        await third.start(again.signal);
        await waitUntil(async () => (await third.status(id)).state === 'up', 'the server to start again');
        expect(await h.client.read(url)).toBe('across restarts');
        broker = third;
      } finally {
        again.abort();
      }
    });
  });
}
