// The tenant-isolation suite, run on each runtime: two ordinary users, each with an app built from
// the tenant-probe fixture, and the probes a hostile tenant would try from inside its instance and
// from its build. Every probe must be refused while the other tenant's app keeps answering.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { findSize, DEFAULT_SIZE } from '../../src/domain/sizes.js';
import { waitFor, type Platform } from './platform-harness.js';

export interface IsolationTarget {
  platform(): Platform;
  /** Tenants' app names are prefixed with this (so leftovers of a runtime's run can be found). */
  prefix: string;
}

/** Answers of one probe path of an app, as text. */
async function probe(p: Platform, app: string, path: string): Promise<string> {
  const res = await p.get(app, path, 15_000);
  if (res.status !== 200) throw new Error(`${app}${path} → ${res.status} ${res.text}`);
  return res.text.trim();
}

export function isolationCases(target: IsolationTarget): void {
  const appA = `${target.prefix}-alice`;
  const appB = `${target.prefix}-bob`;
  let alice: Platform;
  let bob: Platform;
  let addressOfA: { addresses: string[]; port: number; instance: string };
  const canaryHost = `/var/tmp/berth-canary-${randomBytes(6).toString('hex')}`;
  const canaryTmp = `/tmp/berth-canary-${randomBytes(6).toString('hex')}`;

  it('two tenants deploy the probe app; each reaches only its own', async () => {
    const p = target.platform();
    await writeFile(canaryHost, 'host secret\n', { mode: 0o644 });
    await writeFile(canaryTmp, 'another build\'s temp file\n', { mode: 0o644 });
    alice = await p.as(`alice-${target.prefix}@example.com`);
    bob = await p.as(`bob-${target.prefix}@example.com`);
    await alice.createApp(appA);
    await bob.createApp(appB);
    await alice.deployOk(appA, await p.copyFixture('tenant-probe'), 'a1');
    addressOfA = JSON.parse(await probe(p, appA, '/addresses'));
    expect(addressOfA.addresses.length).toBeGreaterThan(0);
    // Bob can neither read nor change Alice's app through the API: to him it does not exist (404,
    // issue 15: an app you have no access to is never confirmed).
    expect((await bob.api('GET', `/apps/${appA}/config-vars`)).status).toBe(404);
    expect((await bob.api('POST', `/apps/${appA}/dynos`, { command: 'true' })).status).toBe(404);
  }, 240_000);

  it("the build sandbox reaches neither another tenant's instance nor host files, and cannot gain privileges", async () => {
    const p = target.platform();
    const source = await p.copyFixture('tenant-probe');
    await writeFile(join(source, 'probe-targets.json'), JSON.stringify({
      tcp: addressOfA.addresses.map((host) => ({ host, port: addressOfA.port })),
      files: [canaryHost, canaryTmp],
      dirs: ['/sys/fs/cgroup/memory/berth'],
    }));
    const { output } = await bob.deployOk(appB, source, 'b1');
    for (const host of addressOfA.addresses) expect(output).toContain(`PROBE tcp ${host}:${addressOfA.port} refused`);
    expect(output).toMatch(new RegExp(`PROBE read ${canaryHost} hidden`));
    expect(output).toMatch(new RegExp(`PROBE read ${canaryTmp} hidden`));
    expect(output).toMatch(/PROBE list \/sys\/fs\/cgroup\/memory\/berth hidden/);
    expect(output).toContain('PROBE no-new-privs 1');
    const processes = Number(/PROBE processes (\d+)/.exec(output)?.[1]);
    expect(processes).toBeLessThan(20);
  }, 240_000);

  it("an instance cannot connect to another tenant's instance, only the router can", async () => {
    const p = target.platform();
    for (const host of addressOfA.addresses) {
      expect(await probe(p, appB, `/tcp?host=${host}&port=${addressOfA.port}`)).toMatch(/^refused/);
    }
    // Not on loopback either: in a shared network namespace A would answer there. (With a
    // namespace of its own B may find itself on that port, since every instance binds the same one.)
    expect(await probe(p, appB, `/http?host=127.0.0.1&port=${addressOfA.port}&path=/whoami`)).not.toContain(addressOfA.instance);
    expect(await probe(p, appA, '/')).toMatch(/^tenant-probe web\.1/);
  }, 60_000);

  it('an instance sees no host files, no other processes and no cgroup tree of other instances', async () => {
    const p = target.platform();
    expect(await probe(p, appB, `/read?path=${canaryHost}`)).toMatch(/^hidden/);
    expect(await probe(p, appB, `/read?path=${canaryTmp}`)).toMatch(/^hidden/);
    expect(await probe(p, appB, '/list?path=/sys/fs/cgroup/memory/berth')).toMatch(/^hidden/);
    expect(Number(await probe(p, appB, '/processes'))).toBeLessThan(20);
    expect(await probe(p, appB, '/no-new-privs')).toBe('1');
  }, 60_000);

  it('filling /app stops at the size\'s disk limit and the instance keeps serving', async () => {
    const p = target.platform();
    const limitMb = findSize(DEFAULT_SIZE)!.diskMb;
    const answer = await probe(p, appB, `/fill?dir=/app&mb=${limitMb + 256}`);
    expect(answer).toMatch(/^full after \d+ ENOSPC/);
    expect(Number(/full after (\d+)/.exec(answer)![1])).toBeLessThanOrEqual(limitMb);
    expect(await probe(p, appB, '/')).toMatch(/^tenant-probe web\.1/);
  }, 120_000);

  it("a tenant's Redis password cannot lift its plan's limits", async () => {
    const p = target.platform();
    await bob.ok('POST', `/apps/${appB}/addons`, { plan: 'redis:dev' });
    await waitFor(async () => (await probe(p, appB, '/redis?arg=PING')) === '+PONG', 60_000, `${appB} to reach its Redis`, 500);
    expect(await probe(p, appB, '/redis?arg=CONFIG&arg=SET&arg=maxmemory&arg=0')).toMatch(/^-NOPERM/);
    expect(await probe(p, appB, '/redis?arg=CONFIG&arg=GET&arg=maxmemory')).toMatch(/^-NOPERM/);
    expect(await probe(p, appB, '/redis?arg=SHUTDOWN')).toMatch(/^-NOPERM/);
    expect(await probe(p, appB, '/redis?arg=SET&arg=k&arg=v')).toBe('+OK');
  }, 120_000);

  it('the API and the source store refuse requests without a token', async () => {
    const p = target.platform();
    expect((await fetch(`${p.apiUrl}/apps`)).status).toBe(401);
    const put = await fetch(`${p.apiUrl}/sources/${randomBytes(16).toString('hex')}`, { method: 'PUT', body: 'x'.repeat(1024) });
    expect(put.status).toBeGreaterThanOrEqual(400);
    const get = await fetch(`${p.apiUrl}/sources/${randomBytes(16).toString('hex')}`);
    expect(get.status).toBeGreaterThanOrEqual(400);
  });

  it("the other tenant's app answered throughout", async () => {
    const p = target.platform();
    expect(await probe(p, appA, '/')).toMatch(/^tenant-probe web\.1/);
    await rm(canaryHost, { force: true });
    await rm(canaryTmp, { force: true });
  });
}
