// Disk readings arriving together are checked together, and a failed check costs only that round.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/logger.js';
import { DiskLimitWatch } from './disk-limit-watch.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('DiskLimitWatch', () => {
  it("checks a round's readings in one go (the latest per container), then the next round's in another", async () => {
    const checks: Array<Record<string, number>> = [];
    let checked: () => void = () => undefined;
    const watch = new DiskLimitWatch(async (used) => {
      checks.push(Object.fromEntries(used));
      checked();
    }, silentLogger, 5);
    const round = () => new Promise<void>((resolve) => (checked = resolve));
    let done = round();
    watch.take({ containerId: A, bytes: 1 });
    watch.take({ containerId: B, bytes: 2 });
    watch.take({ containerId: A, bytes: 3 });
    await done;
    done = round();
    watch.take({ containerId: B, bytes: 4 });
    await done;
    expect(checks).toEqual([{ [A]: 3, [B]: 2 }, { [B]: 4 }]);
    watch.close();
  });

  it('a failing check is logged, not thrown, and the next round is checked again', async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (event: string) => void warnings.push(event) };
    let calls = 0;
    let checked: () => void = () => undefined;
    const watch = new DiskLimitWatch(async () => {
      calls++;
      checked();
      if (calls === 1) throw new Error('manager unreachable');
    }, logger as typeof silentLogger, 5);
    let done = new Promise<void>((resolve) => (checked = resolve));
    watch.take({ containerId: A, bytes: 1 });
    await done;
    done = new Promise<void>((resolve) => (checked = resolve));
    watch.take({ containerId: A, bytes: 2 });
    await done;
    expect(calls).toBe(2);
    expect(warnings).toEqual(['disk-limit-check-failed']);
    watch.close();
  });
});
