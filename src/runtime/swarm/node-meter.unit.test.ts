// NodeMeter against a fake manager (the Engine API calls it makes) and a fake clock: the service is
// created once and updated only when its spec changes, readings reach `used` per node as the
// service logs carry them, and a node whose meter is absent, starting or silent shows nothing.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../platform/testing/fake-clock.js';
import { silentLogger } from '../../platform/logger.js';
import { METER_SPEC_LABEL } from './meter-service-spec.js';
import { NodeMeter, removeNodeMeter, type MeterEngine } from './node-meter.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** One frame of the engine's multiplexed log stream (stdout) carrying a line with its details. */
const frame = (nodeId: string, taskId: string, message: string): Buffer => {
  const payload = Buffer.from(`com.docker.swarm.node.id=${nodeId},com.docker.swarm.service.id=svc,com.docker.swarm.task.id=${taskId} ${message}\n`);
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};
/** 2 CPUs, busy and idle ticks; 4 GiB total, 3 GiB available. */
const reading = (busy: number, idle: number) => `berth-meter 1 2 ${busy} 0 0 ${idle} 0 0 0 0 ${4 * 1024 ** 2} ${3 * 1024 ** 2}`;

type FakeService = { ID: string; Version: { Index: number }; Spec: { Name: string; Labels: Record<string, string> } };

/** existing: the meter services already there, by name. */
function fakeManager(existing: Array<{ name: string; labels: Record<string, string> }> = []) {
  const calls: string[] = [];
  const services: FakeService[] = existing.map((e, i) => ({ ID: `meter-${i + 1}`, Version: { Index: 3 }, Spec: { Name: e.name, Labels: e.labels } }));
  const streams: PassThrough[] = [];
  const logQueries: unknown[] = [];
  const manager = {
    listServices: async () => services,
    createService: async (spec: { Name: string; Labels: Record<string, string> }) => {
      calls.push(`create ${spec.Name}`);
      const id = `meter-new-${services.length + 1}`;
      services.push({ ID: id, Version: { Index: 1 }, Spec: { Name: spec.Name, Labels: spec.Labels } });
      return { id };
    },
    getService: (id: string) => ({
      update: async (opts: { _query: { version: number } }) => { calls.push(`update ${id} v${opts._query.version}`); },
      remove: async () => { calls.push(`remove ${id}`); },
      logs: async (query: unknown) => {
        logQueries.push(query);
        const stream = new PassThrough();
        streams.push(stream);
        return stream;
      },
    }),
  };
  return { manager: manager as unknown as MeterEngine, calls, streams, logQueries, services };
}

const controllers: AbortController[] = [];
afterEach(() => { for (const c of controllers.splice(0)) c.abort(); });

async function started(fake: ReturnType<typeof fakeManager>, clock = new FakeClock()) {
  const meter = new NodeMeter({ manager: fake.manager, scope: 's1', image: async () => '10.0.0.1:5443/berth/stack:abc', clock, logger: silentLogger, intervalSeconds: 5 });
  const controller = new AbortController();
  controllers.push(controller);
  const running = meter.start(controller.signal);
  // Until both services' log streams are open.
  for (let i = 0; i < 50 && fake.streams.length < 2; i++) await clock.advance(0);
  return { meter, clock, controller, running };
}

describe('NodeMeter (fake manager)', () => {
  it("creates both meter services when there are none and follows their logs with each line's node", async () => {
    const fake = fakeManager();
    await started(fake);
    expect(fake.calls.sort()).toEqual(['create berth-disk-meter-s1', 'create berth-meter-s1']);
    expect(fake.logQueries).toEqual([{ stdout: true, follow: true, details: true, tail: 2 }, { stdout: true, follow: true, details: true, tail: 2 }]);
  });

  it('leaves a service of the same spec alone and updates one of another spec (at its version)', async () => {
    const first = fakeManager();
    await started(first);
    const existing = first.services.map((s) => ({ name: s.Spec.Name, labels: s.Spec.Labels }));
    const unchanged = fakeManager(existing);
    await started(unchanged);
    expect(unchanged.calls).toEqual([]);
    const usage = existing.findIndex((e) => e.name === 'berth-meter-s1');
    const changed = fakeManager(existing.map((e, i) => (i === usage ? { ...e, labels: { ...e.labels, [METER_SPEC_LABEL]: 'an-older-spec' } } : e)));
    await started(changed);
    expect(changed.calls).toEqual([`update meter-${usage + 1} v3`]);
  });

  it("gives each node the machine's use between its last two readings; nothing before the second", async () => {
    const fake = fakeManager();
    const { meter, clock } = await started(fake);
    const stream = fake.streams[0]!;
    expect(meter.used('node-a')).toBeNull();
    stream.write(frame('node-a', 'task-a', reading(1000, 9000)));
    stream.write(frame('node-b', 'task-b', reading(50, 950)));
    stream.write(frame('node-a', 'task-a', 'something else the shell said'));
    await clock.advance(0);
    expect([meter.used('node-a'), meter.used('node-b')]).toEqual([null, null]);
    // node-a: 500 of 1,000 ticks busy on 2 CPUs = 1 CPU; node-b: 100 of 1,000 = 0.2.
    stream.write(frame('node-a', 'task-a', reading(1500, 9500)));
    stream.write(frame('node-b', 'task-b', reading(150, 1850)));
    await clock.advance(0);
    expect(meter.used('node-a')).toEqual({ cpus: 1, memoryBytes: 1 * GiB });
    expect(meter.used('node-b')).toEqual({ cpus: 0.2, memoryBytes: 1 * GiB });
    expect(meter.used('node-c')).toBeNull();
  });

  it("never pairs readings of two tasks (a replaced meter), and forgets a node whose meter fell silent", async () => {
    const fake = fakeManager();
    const { meter, clock } = await started(fake);
    const stream = fake.streams[0]!;
    stream.write(frame('node-a', 'task-old', reading(1000, 9000)));
    stream.write(frame('node-a', 'task-new', reading(2000, 12000)));
    await clock.advance(0);
    expect(meter.used('node-a')).toBeNull();
    stream.write(frame('node-a', 'task-new', reading(2100, 12900)));
    await clock.advance(0);
    expect(meter.used('node-a')).toEqual({ cpus: 0.2, memoryBytes: 1 * GiB });
    // Three intervals (15 s) without a line: the node's task is gone or unreachable.
    await clock.advance(15_000);
    expect(meter.used('node-a')).toEqual({ cpus: 0.2, memoryBytes: 1 * GiB });
    await clock.advance(1);
    expect(meter.used('node-a')).toBeNull();
  });

  it('follows the logs again when the stream fails, and stops when the signal aborts', async () => {
    const fake = fakeManager();
    const { meter, clock, controller, running } = await started(fake);
    fake.streams[0]!.destroy(new Error('manager restarted'));
    await clock.advance(1000);
    expect(fake.streams).toHaveLength(3);
    fake.streams[2]!.write(frame('node-a', 't', reading(0, 100)));
    fake.streams[2]!.write(frame('node-a', 't', reading(10, 190)));
    await clock.advance(0);
    expect(meter.used('node-a')).toEqual({ cpus: 0.2, memoryBytes: 1 * GiB });
    controller.abort();
    await running;
    expect(fake.streams.every((stream) => stream.destroyed)).toBe(true);
  });

  it("gives each container its latest reading from whichever node's meter printed it; a late lower one (another meter, same cgroup) is harmless", async () => {
    const fake = fakeManager();
    const { meter, clock } = await started(fake);
    const stream = fake.streams[0]!;
    const id = 'e543deaada42536bc1df6cefcb3f0b42d2377f342f5b79010a7ad45f9d5554e5';
    const line = (cpuNs: number, rss: number) => `berth-meter-container 1 ${id} ${cpuNs} ${rss} 67108864`;
    expect(meter.containerStats(id)).toBeUndefined();
    stream.write(frame('node-b', 'task-b', line(2_000_000_000, 3 * MiB)));
    await clock.advance(0);
    expect(meter.containerStats(id)).toEqual({ cpuSeconds: 2, memoryBytes: 3 * MiB, memoryLimitBytes: 64 * MiB, readAt: clock.now() });
    // The same container read earlier by node-c's meter, arriving after: not taken.
    stream.write(frame('node-c', 'task-c', line(1_500_000_000, 2 * MiB)));
    await clock.advance(0);
    expect(meter.containerStats(id)?.cpuSeconds).toBe(2);
    await clock.advance(1000);
    stream.write(frame('node-c', 'task-c', line(2_500_000_000, 4 * MiB)));
    await clock.advance(0);
    // Timed by when it arrived: the sampler works out CPU % between reading times.
    expect(meter.containerStats(id)).toEqual({ cpuSeconds: 2.5, memoryBytes: 4 * MiB, memoryLimitBytes: 64 * MiB, readAt: clock.now() });
    // Container lines are not node readings: node-b has printed no reading of its machine.
    expect(meter.used('node-b')).toBeNull();
    expect(meter.containerStats('f'.repeat(64))).toBeUndefined();
  });

  it("passes each disk reading on to its listeners as it arrives, and a failing listener harms neither the others nor the stream", async () => {
    const fake = fakeManager();
    const { meter, clock } = await started(fake);
    const id = 'e543deaada42536bc1df6cefcb3f0b42d2377f342f5b79010a7ad45f9d5554e5';
    const heard: unknown[] = [];
    meter.onDiskReading(() => { throw new Error('listener broke'); });
    const stop = meter.onDiskReading((r) => heard.push(r));
    fake.streams[0]!.write(frame('node-b', 'task-b', `berth-meter-disk 1 ${id} 2048`));
    await clock.advance(0);
    expect(heard).toEqual([{ containerId: id, bytes: 2 * MiB }]);
    stop();
    fake.streams[0]!.write(frame('node-b', 'task-b', `berth-meter-disk 1 ${id} 4096`));
    fake.streams[0]!.write(frame('node-b', 'task-b', reading(10, 10)));
    await clock.advance(0);
    expect(heard).toHaveLength(1);
    // The stream was still read after the failing listener: the node's reading arrived.
    fake.streams[0]!.write(frame('node-b', 'task-b', reading(20, 20)));
    await clock.advance(0);
    expect(meter.used('node-b')).not.toBeNull();
  });

  it('answers no stats for a container no meter has printed for three intervals (it stopped, or its node is silent)', async () => {
    const fake = fakeManager();
    const { meter, clock } = await started(fake);
    const id = 'a'.repeat(64);
    fake.streams[0]!.write(frame('node-b', 'task-b', `berth-meter-container 1 ${id} 5000000000 1048576 67108864`));
    await clock.advance(15_000);
    expect(meter.containerStats(id)?.cpuSeconds).toBe(5);
    await clock.advance(1);
    expect(meter.containerStats(id)).toBeUndefined();
    // After that, a reading with a lower counter is a new figure, not a late one.
    fake.streams[0]!.write(frame('node-b', 'task-b', `berth-meter-container 1 ${id} 1000000000 1048576 67108864`));
    await clock.advance(0);
    expect(meter.containerStats(id)?.cpuSeconds).toBe(1);
  });

  it("removeNodeMeter removes this scope's meter services", async () => {
    const fake = fakeManager([{ name: 'berth-meter-s1', labels: {} }, { name: 'berth-disk-meter-s1', labels: {} }]);
    expect(await removeNodeMeter(fake.manager, 's1')).toBe(2);
    expect(fake.calls).toEqual(['remove meter-1', 'remove meter-2']);
  });
});
