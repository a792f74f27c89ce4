// The node meter's line format and the use worked out from two readings, on fake readings.
import { describe, expect, it } from 'vitest';
import { parseContainerReading, parseDiskReading, parseReading, splitServiceLogLine, usageBetween } from './node-reading.js';

const GiB = 1024 ** 3;
// 4 CPUs; user nice system idle iowait irq softirq steal; 8 GiB total, 5 GiB available (in kB).
const line = (user: number, idle: number, availableKb = 5 * 1024 ** 2) => `berth-meter 1 4 ${user} 10 200 ${idle} 40 5 5 0 ${8 * 1024 ** 2} ${availableKb}`;

describe('node readings', () => {
  it('reads the CPU ticks (busy without idle and iowait) and the memory of one line', () => {
    expect(parseReading(line(1000, 5000))).toEqual({
      cpus: 4, busyTicks: 1000 + 10 + 200 + 5 + 5, totalTicks: 1220 + 5000 + 40, memoryTotalBytes: 8 * GiB, memoryAvailableBytes: 5 * GiB,
    });
  });

  it('ignores what is not a reading of this version: other output, another version, missing or bad fields', () => {
    expect(parseReading('hello from the shell')).toBeUndefined();
    expect(parseReading(line(1, 2).replace('berth-meter 1', 'berth-meter 2'))).toBeUndefined();
    expect(parseReading('berth-meter 1 4 1 2 3')).toBeUndefined();
    expect(parseReading(line(1, 2).replace(' 200 ', ' -3 '))).toBeUndefined();
    expect(parseReading(line(1, 2).replace(' 200 ', ' x '))).toBeUndefined();
  });

  it('gives the CPUs busy between two readings and the memory in use (total − available) at the later one', () => {
    // 300 of 1,000 ticks busy across 4 CPUs: 1.2 CPUs.
    const use = usageBetween(parseReading(line(1000, 5000))!, parseReading(line(1300, 5700, 3 * 1024 ** 2))!);
    expect(use).toEqual({ cpus: 1.2, memoryBytes: 5 * GiB });
  });

  it('gives nothing for readings out of order or across a reboot (counters that went back)', () => {
    expect(usageBetween(parseReading(line(1300, 5700))!, parseReading(line(1000, 5000))!)).toBeUndefined();
    expect(usageBetween(parseReading(line(1000, 5000))!, parseReading(line(1000, 5000))!)).toBeUndefined();
  });

  it("splits a service log line asked for with details into the node, the task and the task's own line", () => {
    expect(splitServiceLogLine('com.docker.swarm.node.id=n1abc,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 berth-meter 1 4 x')).toEqual({
      nodeId: 'n1abc', taskId: 't1', message: 'berth-meter 1 4 x',
    });
    expect(splitServiceLogLine('berth-meter 1 4 1 2')).toBeUndefined();
  });

  // Recorded from the meter's script on this machine's engine (cgroup v1): an app container under a
  // 64 MiB limit, then the meter itself (16 MiB); the kernel's "unlimited" is 9223372036854771712.
  const APP = 'e543deaada42536bc1df6cefcb3f0b42d2377f342f5b79010a7ad45f9d5554e5';
  const recorded = `berth-meter-container 1 ${APP} 93378707 3289088 67108864`;

  it("reads a container's line: its id, CPU seconds from cpuacct's nanoseconds, RSS and its limit", () => {
    expect(parseContainerReading(recorded)).toEqual({ containerId: APP, stats: { cpuSeconds: 0.093378707, memoryBytes: 3289088, memoryLimitBytes: 64 * 1024 ** 2 } });
    // A container without a memory limit has none to report; a CPU counter past 2^53 ns still reads.
    expect(parseContainerReading(`berth-meter-container 1 ${APP} 9007199254740993000 1024 9223372036854771712`)).toEqual({
      containerId: APP, stats: { cpuSeconds: 9007199254.740993, memoryBytes: 1024 },
    });
  });

  it('ignores container lines that are not whole: a short id, a missing or odd field, another version, a node line', () => {
    expect(parseContainerReading(recorded.replace(APP, APP.slice(0, 12)))).toBeUndefined();
    expect(parseContainerReading(recorded.replace(' 3289088 ', '  '))).toBeUndefined();
    expect(parseContainerReading(recorded.replace(' 3289088 ', ' -1 '))).toBeUndefined();
    expect(parseContainerReading(recorded.replace('berth-meter-container 1', 'berth-meter-container 2'))).toBeUndefined();
    expect(parseContainerReading(line(1, 2))).toBeUndefined();
    expect(parseReading(recorded)).toBeUndefined();
  });
});

describe('disk readings', () => {
  const id = 'e543deaada42536bc1df6cefcb3f0b42d2377f342f5b79010a7ad45f9d5554e5';
  it("reads a container's working directory in KiB as bytes", () => {
    expect(parseDiskReading(`berth-meter-disk 1 ${id} 41024`)).toEqual({ containerId: id, bytes: 41024 * 1024 });
  });

  it('ignores another version, a short id, a bad size and other lines', () => {
    expect(parseDiskReading(`berth-meter-disk 2 ${id} 41024`)).toBeUndefined();
    expect(parseDiskReading('berth-meter-disk 1 e543dead 41024')).toBeUndefined();
    expect(parseDiskReading(`berth-meter-disk 1 ${id} 41k`)).toBeUndefined();
    expect(parseDiskReading(`berth-meter-disk 1 ${id}`)).toBeUndefined();
    expect(parseDiskReading(`berth-meter-container 1 ${id} 1 2 3`)).toBeUndefined();
  });
});
