// Log drains against real receivers: Debian's rsyslogd (TCP and TLS, started by the test) and a node
// HTTPS server speaking Heroku's logplex format; the lines come from a real LogHub.
import { setMaxListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDrainUrl } from '../../src/domain/log-drains.js';
import { DrainDelivery } from '../../src/logs/drains/drain-delivery.js';
import { drainTransports } from '../../src/logs/drains/drain-transports.js';
import { LogHub } from '../../src/logs/log-hub.js';
import { systemClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { LogplexReceiver } from '../support/logplex-receiver.js';
import { describeWith } from '../support/require-dependency.js';
import { rsyslog, RsyslogReceiver } from '../support/rsyslog-receiver.js';
import { OutboundPolicy } from '../../src/platform/outbound-policy.js';

/** The receiver runs on this machine: its loopback is allowed, as an operator would with BERTH_OUTBOUND_ALLOW. */
const RECEIVER_ON_THIS_MACHINE = OutboundPolicy.fromSetting('127.0.0.0/8,::1');

/** Polls until check() holds (bounded), for what arrives over the network. */
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeWith(rsyslog, 'log drains to a real rsyslog and a real HTTPS receiver', () => {
  let dir: string;
  let receiver: RsyslogReceiver;
  let https: LogplexReceiver;
  let hub: LogHub;
  const stop = new AbortController();
  // Every drain of this file stops on this one signal.
  setMaxListeners(64, stop.signal);
  const ca = () => [readFileSync(receiver.caFile, 'utf8')];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-drains-'));
    receiver = await RsyslogReceiver.start(join(dir, 'rsyslog'));
    https = await LogplexReceiver.start({ certFile: join(dir, 'rsyslog', 'server.crt'), keyFile: join(dir, 'rsyslog', 'server.key') });
    hub = new LogHub({ dir: join(dir, 'logs') });
    await hub.start(stop.signal);
  });
  afterAll(async () => {
    stop.abort();
    await receiver?.stop();
    await https?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function drain(appId: string, url: string, token: string, tuning: { maxBuffered?: number; extraCa?: string[] } = {}) {
    const delivery = new DrainDelivery({
      appId, appName: () => `${appId}-name`, token, stream: hub, appLog: hub, clock: systemClock, logger: silentLogger,
      transport: drainTransports({ clock: systemClock, outbound: RECEIVER_ON_THIS_MACHINE, ...(tuning.extraCa ? { extraCa: tuning.extraCa } : {}) })(parseDrainUrl(url), token),
      backoff: { initialMs: 50, maxMs: 200 }, ...(tuning.maxBuffered ? { maxBuffered: tuning.maxBuffered } : {}),
    });
    const ended = delivery.start(stop.signal);
    return { delivery, ended };
  }

  /** One line of each source, then numbered app lines: what every drain below is sent. */
  function writeMixed(appId: string, n: number): string[] {
    hub.write(appId, 'build', '', 'Compiling app');
    hub.write(appId, 'berth', 'api', 'Release v1 created by ada@example.com');
    hub.write(appId, 'router', '', 'at=info method=GET path="/" status=200');
    const sent = ['Compiling app', 'Release v1 created by ada@example.com', 'at=info method=GET path="/" status=200'];
    for (let i = 1; i <= n; i++) {
      hub.write(appId, 'app', 'web.1', `line ${i} ünïcode`);
      sent.push(`line ${i} ünïcode`);
    }
    return sent;
  }

  it('delivers every line of the stream in order over TCP as RFC 5424: HOSTNAME the token, APP-NAME the app, PROCID the dyno', async () => {
    drain('tcpapp', `syslog://127.0.0.1:${receiver.tcpPort}`, 'd.tcp-token');
    const sent = writeMixed('tcpapp', 500);
    const got = () => receiver.received().filter((m) => m.hostname === 'd.tcp-token');
    await until('500 lines over TCP', () => got().length >= sent.length);
    expect(got().map((m) => m.msg)).toEqual(sent);
    expect(got().every((m) => m.listener === 'tcp' && m.appName === 'tcpapp-name')).toBe(true);
    expect(got().slice(0, 4).map((m) => [m.procId, m.msgId])).toEqual([['build', 'build'], ['api', 'berth'], ['router', 'router'], ['web.1', 'app']]);
  });

  it('delivers over TLS to a receiver whose CA the operator added, and nothing to one it does not trust', async () => {
    drain('untrusted', `syslog+tls://127.0.0.1:${receiver.tlsPort}`, 'd.untrusted');
    drain('tlsapp', `syslog+tls://localhost:${receiver.tlsPort}`, 'd.tls-token', { extraCa: ca() });
    writeMixed('untrusted', 10);
    const sent = writeMixed('tlsapp', 200);
    const got = () => receiver.received().filter((m) => m.hostname === 'd.tls-token');
    await until('200 lines over TLS', () => got().length >= sent.length);
    expect(got().map((m) => m.msg)).toEqual(sent);
    expect(got().every((m) => m.listener === 'tls')).toBe(true);
    expect(receiver.received().filter((m) => m.hostname === 'd.untrusted')).toEqual([]);
  });

  it('POSTs Heroku\'s logplex frames over HTTPS with its headers, basic auth from the URL', async () => {
    drain('httpsapp', `https://user:s3cret@localhost:${https.port}/logs?x=1`, 'd.https-token', { extraCa: ca() });
    const sent = writeMixed('httpsapp', 1200);
    await until('1,200 lines over HTTPS', () => https.messages().length >= sent.length);
    expect(https.messages().map((m) => m.replace(/^<190>1 \S+ d\.https-token httpsapp-name \S+ \S+ - /, ''))).toEqual(sent);
    for (const post of https.posts) {
      expect(post.headers['content-type']).toBe('application/logplex-1');
      expect(Number(post.headers['logplex-msg-count'])).toBe(post.messages.length);
      expect(post.headers['logplex-drain-token']).toBe('d.https-token');
      expect(post.headers['logplex-frame-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(post.headers['user-agent']).toMatch(/^Berth-Logplex\//);
      expect(post.headers.authorization).toBe(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);
    }
    expect(https.posts.length).toBeGreaterThan(1); // batched, not one POST per line nor one for all
  });

  it('a receiver killed and restarted mid-stream loses only what the L10 line reports; another drain misses nothing', async () => {
    const appId = 'killed';
    const { delivery } = drain(appId, `syslog://127.0.0.1:${receiver.tcpPort}`, 'd.killed', { maxBuffered: 300 });
    const { delivery: other } = drain(appId, `https://localhost:${https.port}/other`, 'd.other', { extraCa: ca() });
    let sent = 0;
    let total = Infinity;
    // A steady writer: 20 lines every 5 ms, never awaiting the drains, before, during and after the outage.
    const writer = setInterval(() => {
      for (let k = 0; k < 20 && sent < total; k++) hub.write(appId, 'app', 'worker.1', `n=${++sent}`);
    }, 5);
    await until('a first part of the stream', () => sent >= 1000);
    await receiver.kill();
    await until('lines dropped while the receiver is down', () => delivery.stats.dropped > 0);
    await receiver.restart();
    await until('delivery resumed: the L10 line in the app\'s log', () => hub.recent(appId, { lines: 10, source: 'berth' }).length > 0);
    const resumedAt = sent;
    await until('more lines after the restart', () => sent >= resumedAt + 1000);
    total = sent;
    clearInterval(writer);
    const mine = () => receiver.received().filter((m) => m.hostname === 'd.killed');
    const l10 = () => mine().filter((m) => m.msg.startsWith('Error L10 (output buffer overflow):'));
    await until('the last line and the L10 report', () => mine().some((m) => m.msg === `n=${total}`) && l10().length > 0);
    const numbers = mine().map((m) => /^n=(\d+)$/.exec(m.msg)?.[1]).filter((n): n is string => n !== undefined).map(Number);
    const unique = [...new Set(numbers)];
    const reported = l10().reduce((sum, m) => sum + Number(/: (\d+) messages dropped since /.exec(m.msg)![1]), 0);
    expect(l10()[0]!.msg).toMatch(/^Error L10 \(output buffer overflow\): \d+ messages dropped since \d{4}-\d\d-\d\dT[\d:.]+Z \(drain d\.killed\)\.$/);
    expect(l10()[0]!.procId).toBe('logplex');
    expect(reported).toBe(delivery.stats.dropped);
    expect(unique.length + reported).toBe(total);
    expect(unique).toEqual([...unique].sort((a, b) => a - b)); // in order, duplicates aside
    // The same L10 line is in the app's own log, and the HTTPS drain on the same stream lost nothing.
    expect(hub.recent(appId, { lines: 1500, source: 'berth' }).some((l) => l.message === l10()[0]!.msg)).toBe(true);
    await until('the other drain has every line', () => other.stats.buffered === 0 && https.messages().filter((m) => / d\.other /.test(m) && / - n=/.test(m)).length >= total);
    expect(other.stats.dropped).toBe(0);
  }, 90_000);
});
