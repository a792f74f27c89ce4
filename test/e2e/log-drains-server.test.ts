// Log drains through a real `berth server`: the README's commands with the real CLI, router lines of
// an app reaching a real rsyslogd over TLS (its CA given as BERTH_DRAIN_CA_FILE) and an HTTPS receiver,
// delivery resumed after a server restart, and stopped for a removed drain.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { berth, tempDir } from '../support/cli-harness.js';
import { LogplexReceiver } from '../support/logplex-receiver.js';
import { usePlatform, waitFor, type Platform } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { rsyslog, RsyslogReceiver } from '../support/rsyslog-receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-drains-e2e-'));

describeWith(rsyslog, 'log drains through a real server', () => {
  let receiver: RsyslogReceiver;
  let https: LogplexReceiver;
  let p: Platform;
  let cliHome: string;

  beforeAll(async () => {
    receiver = await RsyslogReceiver.start(join(dir, 'rsyslog'));
    https = await LogplexReceiver.start({ certFile: join(dir, 'rsyslog', 'server.crt'), keyFile: join(dir, 'rsyslog', 'server.key') });
    cliHome = await tempDir('berth-drains-cli-');
  }, 60_000);
  usePlatform((x) => (p = x), { BERTH_DRAIN_CA_FILE: join(dir, 'rsyslog', 'ca', 'ca.crt') });
  afterAll(async () => {
    await receiver?.stop();
    await https?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(cliHome, { recursive: true, force: true });
  });

  const cli = async (...args: string[]) => {
    const r = await berth(args, { home: cliHome, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const syslogPaths = () => receiver.received().map((m) => /path="([^"]+)"/.exec(m.msg)?.[1]).filter(Boolean);
  const httpsPaths = () => https.messages().map((m) => /path="([^"]+)"/.exec(m)?.[1]).filter(Boolean);

  it('drains:add, drains and drains:remove as the README shows; the app\'s router lines reach both drains, in order, across a restart', async () => {
    await p.ok('POST', '/apps', { name: 'demo' });
    const tls = `syslog+tls://localhost:${receiver.tlsPort}`;
    expect(await cli('drains:add', tls, '-a', 'demo')).toMatch(new RegExp(`^Successfully added drain ${tls.replace(/[+/.]/g, '\\$&')} \\(d\\.[0-9a-f-]{36}\\)`));
    await cli('drains:add', `https://localhost:${https.port}/drain`, '-a', 'demo');
    // The cloud metadata address (or any other Berth's machine must not reach for a tenant) is refused, nothing added.
    const metadata = await berth(['drains:add', 'syslog://169.254.169.254:514', '-a', 'demo'], { home: cliHome, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
    expect(metadata.code).not.toBe(0);
    expect(metadata.stderr).toContain('169.254.169.254 is a link-local address: Berth sends webhooks and log drains only to public addresses');
    const listed = await cli('drains', '-a', 'demo');
    const [drain] = await p.ok('GET', '/apps/demo/log-drains');
    expect(listed).toContain(`${tls} (${drain.token})`);
    expect(listed).toContain(`https://localhost:${https.port}/drain (`);

    // No web dyno: each request is an H14 router line in demo's stream.
    const paths = Array.from({ length: 20 }, (_, i) => `/req-${i}`);
    for (const path of paths) await p.get('demo', path);
    await waitFor(() => syslogPaths().length >= 20 && httpsPaths().length >= 20, 30_000, 'the router lines at both drains');
    expect(syslogPaths()).toEqual(paths);
    expect(httpsPaths()).toEqual(paths);
    const first = receiver.received()[0]!;
    expect(first).toMatchObject({ listener: 'tls', hostname: drain.token, appName: 'demo', procId: 'router', msgId: 'router' });
    expect(first.msg).toMatch(/code=H14/);
    // The operator's Prometheus sees each drain by its token: what it was sent, nothing dropped.
    const scrape = await (await fetch(`${p.apiUrl}/metrics`, { headers: { Authorization: `Bearer ${p.token}` } })).text();
    const sentTo = (token: string) => Number(new RegExp(`^berth_drain_lines_sent_total\\{app="demo",drain="${token}"\\} (\\d+)$`, 'm').exec(scrape)?.[1]);
    expect(sentTo(drain.token)).toBeGreaterThanOrEqual(20);
    expect(scrape).toContain(`berth_drain_lines_dropped_total{app="demo",drain="${drain.token}"} 0`);
    expect(scrape).not.toContain(tls); // a drain URL may carry credentials: never a label

    await p.stopServer();
    await p.startServer();
    await p.get('demo', '/after-restart');
    await waitFor(() => syslogPaths().includes('/after-restart') && httpsPaths().includes('/after-restart'), 30_000, 'delivery after the restart');

    expect(await cli('drains:remove', tls, '-a', 'demo')).toContain(`Successfully removed drain ${tls}`);
    await p.get('demo', '/after-remove');
    await waitFor(() => httpsPaths().includes('/after-remove'), 30_000, 'the other drain to go on');
    expect(syslogPaths()).not.toContain('/after-remove');
    expect((await cli('drains', '-a', 'demo'))).not.toContain(tls);
  }, 120_000);
});
