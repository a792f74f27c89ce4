// The exit-event stream survives a dockerd that stays away: it keeps reopening, waiting longer
// each time up to a cap, and exits are delivered again once the engine answers.
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import type Docker from 'dockerode';
import type { Logger } from '../../platform/logger.js';
import { ExitEvents } from './exit-events.js';

/** An engine whose event stream opens, or fails while `down` says so. */
function fakeEngine() {
  const engine = {
    down: 0,
    opened: [] as PassThrough[],
    calls: 0,
    docker: {
      getEvents: async () => {
        engine.calls++;
        if (engine.down > 0) {
          engine.down--;
          throw new Error('connect ECONNREFUSED /var/run/docker.sock');
        }
        const stream = new PassThrough();
        engine.opened.push(stream);
        return stream;
      },
    } as unknown as Docker,
  };
  return engine;
}

function recordingLogger() {
  const events: string[] = [];
  const logger: Logger = { info: (e) => events.push(e), warn: (e) => events.push(e), error: (e) => events.push(e), child: () => logger };
  return { events, logger };
}

describe('ExitEvents', () => {
  it('keeps reopening a lost stream with a capped backoff, then delivers exits again', async () => {
    const engine = fakeEngine();
    const { events, logger } = recordingLogger();
    const waits: number[] = [];
    const died: string[] = [];
    const exits = new ExitEvents(engine.docker, logger, (id) => died.push(id), { sleep: async (ms) => void waits.push(ms) });
    await exits.open();
    engine.opened[0]!.write('{"Actor":{"ID":"c1"}}\n');
    await vi.waitFor(() => expect(died).toEqual(['c1']));

    engine.down = 6; // dockerd restarts and takes a while
    engine.opened[0]!.end();
    await vi.waitFor(() => expect(engine.opened).toHaveLength(2));
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(events.filter((e) => e === 'docker-events-failed')).toHaveLength(6);
    expect(events).toContain('docker-events-restored');

    engine.opened[1]!.write('{"status":"die","id":"c2"}\n{"Actor":{"ID":"c3"}}\n');
    await vi.waitFor(() => expect(died).toEqual(['c1', 'c2', 'c3']));
    exits.close();
  });

  it('stops retrying once closed', async () => {
    const engine = fakeEngine();
    const { logger } = recordingLogger();
    let waits = 0;
    const exits = new ExitEvents(engine.docker, logger, () => {}, {
      sleep: async () => {
        // The runtime detaches while the second wait is under way.
        if (++waits === 2) exits.close();
      },
    });
    await exits.open();
    engine.down = Infinity;
    engine.opened[0]!.destroy(new Error('socket hang up'));
    await vi.waitFor(() => expect(waits).toBe(2));
    for (let i = 0; i < 20; i++) await tick();
    expect(engine.calls).toBe(2); // the first open, one failed reopen, none after close
    await exits.open();
    expect(engine.calls).toBe(2);
  });
});
