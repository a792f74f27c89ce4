import { describe, expect, it } from 'vitest';
import type { LogSource } from '../logs/log-sink.js';
import { silentLogger } from '../platform/logger.js';
import type { Instance, LogChunk, Runtime } from '../runtime/runtime.js';
import { InstanceOutput } from './instance-output.js';

const instance = { id: 'i1', appId: 'a1', name: 'web.1' } as Instance;

/** A runtime whose instance has printed `printed` so far; following also yields `later`, then ends. */
function fakeRuntime(printed: string[], later: string[]): Runtime {
  return {
    async *logs(_id: string, opts: { follow: boolean }): AsyncIterable<LogChunk> {
      for (const line of printed) yield { stream: 'stdout', line };
      if (opts.follow) for (const line of later) yield { stream: 'stdout', line };
    },
  } as unknown as Runtime;
}

function collector() {
  const lines: string[] = [];
  return { lines, appLog: { write: (appId: string, source: LogSource, dyno: string, message: string) => lines.push(`${appId} ${source}[${dyno}]: ${message}`) } };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('InstanceOutput', () => {
  it('copies everything a newly started instance prints as app lines of its dyno', async () => {
    const { lines, appLog } = collector();
    new InstanceOutput({ runtime: fakeRuntime(['booting'], ['listening']), appLog, logger: silentLogger }).follow(instance, true);
    await settle();
    expect(lines).toEqual(['a1 app[web.1]: booting', 'a1 app[web.1]: listening']);
  });

  it('skips what an adopted instance printed before, so a server restart repeats nothing', async () => {
    const { lines, appLog } = collector();
    new InstanceOutput({ runtime: fakeRuntime(['tick 1', 'tick 2'], ['tick 3']), appLog, logger: silentLogger }).follow(instance, false);
    await settle();
    expect(lines).toEqual(['a1 app[web.1]: tick 3']);
  });

  it('follows an instance once however often it is asked to', async () => {
    const { lines, appLog } = collector();
    const output = new InstanceOutput({ runtime: fakeRuntime(['once'], []), appLog, logger: silentLogger });
    output.follow(instance, true);
    output.follow(instance, true);
    await settle();
    expect(lines).toEqual(['a1 app[web.1]: once']);
  });
});
