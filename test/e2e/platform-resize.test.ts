// `ps:type web=standard-2x` as a user sees it on the local runtime: the running web dyno is replaced
// by one under the new size's limits (its cgroup memory limit), without a single failed request
// through the router, and without a new release.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { findSize } from '../../src/domain/sizes.js';
import { fixture, Platform, usePlatform, waitFor, type Dyno } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { localSandbox } from '../support/local-sandbox.js';

/** The memory limit the kernel holds the instance to (cgroup v1, as the local runtime sets it up). */
const memoryLimitMb = async (instanceId: string) =>
  Number((await readFile(`/sys/fs/cgroup/memory/berth/${instanceId}/memory.limit_in_bytes`, 'utf8')).trim()) / (1024 * 1024);

describeWith(localSandbox, 'resizing a running app on the local runtime', () => {
  let p: Platform;
  usePlatform((started) => (p = started));

  describe('ps:type', () => {
    it('replaces the web dyno with one of the new size, dropping no request', async () => {
      const app = 'resize-web';
      await p.createApp(app);
      await p.deployOk(app, fixture('node-hello'), 'v1');
      const [before] = await p.waitForUp(app, 1);
      expect(await memoryLimitMb(before!.id)).toBe(findSize('standard-1x')!.memoryMb);

      const failures: string[] = [];
      let answered = 0;
      let resizing = true;
      const client = (async () => {
        // Requests for as long as the resize takes (bounded by the wait below), then 20 more.
        let after = 0;
        while (resizing || after++ < 20) {
          try {
            const res = await p.get(app, '/');
            if (res.status !== 200) failures.push(`${res.status} ${res.text.slice(0, 200)}`);
            else answered++;
          } catch (e) {
            failures.push(String(e));
          }
        }
      })();
      let after: (Dyno & { size: string }) | undefined;
      try {
        const formation = await p.ok('PATCH', `/apps/${app}/formation`, { updates: [{ type: 'web', size: 'standard-2x' }] });
        expect(formation).toMatchObject([{ type: 'web', quantity: 1, size: 'standard-2x' }]);
        // The old dyno gone and one new one up: the resize is done.
        [after] = await waitFor(async () => {
          const ds = (await p.dynos(app)).filter((d) => d.type === 'web') as (Dyno & { size: string })[];
          return ds.length === 1 && ds[0]!.state === 'up' && ds[0]!.id !== before!.id && ds;
        }, 60_000, 'the web dyno to be replaced');
      } finally {
        resizing = false;
        await client;
      }
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(20);
      expect(await memoryLimitMb(after!.id)).toBe(findSize('standard-2x')!.memoryMb);
      expect(after!.size).toBe('standard-2x');

      // Same release, still live: a size change is no release.
      const releases = await p.ok('GET', `/apps/${app}/releases`) as { version: number; current: boolean }[];
      expect(releases.map((r) => [r.version, r.current])).toEqual([[1, true]]);
      expect(after!.release.version).toBe(1);
      const log = await p.logs(app);
      expect(log).toContain('Restarting to change size from standard-1x to standard-2x');
      expect(log).not.toMatch(/crashed/);
    }, 120_000);
  });
});
