// Issue 16's log-drain commands of the stock heroku CLI against Berth: drains (also --json),
// drains:add and drains:remove by URL and by token. Registered inside heroku-cli.test.ts's
// deployed-app block, so the suite starts one server; the drains are added to its app.
import { describe, expect, it } from 'vitest';
import type { DeployedAppSuite } from './heroku-cli-rest.cases.js';

export function describeDrains(s: DeployedAppSuite): void {
  describe('drains, drains:add, drains:remove', { timeout: 120_000 }, () => {
    it('drains:add prints the URL, drains lists it with its token (and --json the whole drain), drains:remove takes a URL or a token', async () => {
      // Nothing listens on these ports: the drains are only added, listed and removed here.
      const syslog = 'syslog+tls://127.0.0.1:9';
      const https = 'https://127.0.0.1:9/compat-drain';
      expect(s.ok(await s.run(['drains:add', syslog, '-a', s.app])).stdout).toContain(`Successfully added drain ${syslog}`);
      s.ok(await s.run(['drains:add', https, '-a', s.app]));
      const drains = JSON.parse(s.ok(await s.run(['drains', '--json', '-a', s.app])).stdout) as { url: string; token: string; addon: unknown }[];
      expect(drains.map((d) => d.url)).toEqual([syslog, https]);
      expect(drains.every((d) => /^d\.[0-9a-f-]{36}$/.test(d.token) && d.addon === null)).toBe(true);
      const listed = s.ok(await s.run(['drains', '-a', s.app])).stdout;
      expect(listed).toContain('=== Drains');
      for (const d of drains) expect(listed).toContain(`${d.url} (${d.token})`);

      expect(s.ok(await s.run(['drains:remove', syslog, '-a', s.app])).stdout).toContain(`Successfully removed drain ${syslog}`);
      expect(s.ok(await s.run(['drains:remove', drains[1]!.token, '-a', s.app])).stdout).toContain(`Successfully removed drain ${https}`);
      expect(s.ok(await s.run(['drains', '-a', s.app])).stdout).not.toContain('Drains');
      const bad = await s.run(['drains:add', 'http://127.0.0.1:9/', '-a', s.app]);
      expect(bad.code).not.toBe(0);
      // The CLI wraps its error at the terminal's width behind ` › ` markers.
      expect(bad.stderr.replace(/\s*›\s*/g, ' ')).toMatch(/scheme must be syslog:\/\/, syslog\+tls:\/\/ or https:\/\//);
    });
  });
}
