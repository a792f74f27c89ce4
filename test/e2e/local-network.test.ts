// Tenant isolation on the local runtime's network, end to end: a real server runs two tenants'
// apps; from a one-off dyno of B, A's instance is out of reach (its own address, and A's port on
// every address of the host), while the router keeps serving both apps.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../../src/platform/exec.js';
import { berth } from '../support/cli-harness.js';
import { buildDist, fixture, Platform, waitFor } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { localSandbox } from '../support/local-sandbox.js';


describeWith(localSandbox, 'local runtime network isolation, end to end', () => {
  let p: Platform;

  beforeAll(async () => {
    buildDist();
    // A generous boot timeout: this suite is about the network, not about boot speed on a busy machine.
    p = await Platform.start({ BERTH_BOOT_TIMEOUT: '30' });
    for (const app of ['tenant-a', 'tenant-b']) {
      await p.createApp(app);
      await p.deployOk(app, fixture('node-hello'), 'v1');
    }
    await p.ok('PATCH', '/apps/tenant-a/config-vars', { GREETING: 'secret-of-a' });
    await waitFor(async () => (await p.get('tenant-a', '/')).text.includes('secret-of-a'), 60_000, 'the release with the greeting to serve');
  }, 240_000);

  afterAll(async () => {
    await p?.stop();
  });

  /** Where the runtime put A's web instance (the router's upstream). */
  async function addressOfA(): Promise<{ host: string; port: number }> {
    for (const id of await p.instanceIds()) {
      const record = JSON.parse(await readFile(join(p.home, 'runtime', 'instances', id, 'instance.json'), 'utf8').catch(() => '{}'));
      if (record.spec?.appName === 'tenant-a' && record.spec?.processType === 'web') return { host: record.address ?? '127.0.0.1', port: record.port };
    }
    throw new Error("tenant-a's web instance has no record");
  }

  it("keeps tenant B's dynos away from tenant A's instance, directly and through the host, while the router serves both", async () => {
    const a = await addressOfA();
    const hostAddresses = (JSON.parse((await run('/usr/sbin/ip', ['-4', '-j', 'addr', 'show'])).stdout) as { addr_info: { local: string }[] }[])
      .flatMap((l) => l.addr_info.map((x) => x.local));
    const targets = [a.host, '127.0.0.1', ...hostAddresses];
    // bash's /dev/tcp: one HTTP request per target, or one "unreachable" line; nothing here is data from the app.
    const probe = `for t in ${targets.join(' ')}; do timeout 3 bash -c 'exec 3<>/dev/tcp/$0/$1 && printf "GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n" >&3 && cat <&3' "$t" ${a.port} || echo "unreachable $t"; done`;
    const result = await berth(['run', '-a', 'tenant-b', '--', probe], { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
    expect(result.stdout).toContain(`unreachable ${a.host}`);
    expect(result.stdout).not.toContain('secret-of-a');

    expect((await p.get('tenant-a', '/')).text).toBe('Hello from node-hello secret-of-a\n');
    expect((await p.get('tenant-b', '/')).status).toBe(200);
  }, 120_000);
});
