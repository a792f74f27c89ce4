// A real rsyslogd from Debian's rsyslog and rsyslog-gnutls packages, started by a test as a
// non-daemon with its own config, work dir and pid file: imtcp on a loopback port (plain) and
// another (TLS, certificate from a test CA), writing every received message's RFC 5424 fields to a file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensureCertificateAuthority, issueServerCertificate } from '../../src/platform/certificate-authority.js';
import { freePort } from './cli-harness.js';
import type { Dependency } from './require-dependency.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';

export const rsyslog: Dependency = {
  name: 'rsyslog with TLS (Debian rsyslog and rsyslog-gnutls)',
  check: () => {
    if (!existsSync(RSYSLOGD)) return `${RSYSLOGD} not found`;
    if (!existsSync('/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so') && spawnSync('sh', ['-c', 'ls /usr/lib/*/rsyslog/lmnsd_gtls.so'], { stdio: 'ignore' }).status !== 0) return 'lmnsd_gtls.so (rsyslog-gnutls) not found';
    return undefined;
  },
  install: 'apt-get install -y rsyslog rsyslog-gnutls (scripts/install-test-deps.sh)',
};

/** One received message as rsyslog parsed it. */
export interface ReceivedMessage { listener: 'tcp' | 'tls'; hostname: string; appName: string; procId: string; msgId: string; timestamp: string; msg: string }

export class RsyslogReceiver {
  private child: ChildProcess | undefined;
  readonly tcpPort: number;
  readonly tlsPort: number;
  readonly caFile: string;
  private readonly out: string;

  private constructor(private readonly dir: string, ports: { tcp: number; tls: number }) {
    this.tcpPort = ports.tcp;
    this.tlsPort = ports.tls;
    this.caFile = join(dir, 'ca', 'ca.crt');
    this.out = join(dir, 'received.log');
  }

  /** Makes the CA, the server certificate and the config in dir, and starts rsyslogd. */
  static async start(dir: string): Promise<RsyslogReceiver> {
    mkdirSync(join(dir, 'work'), { recursive: true });
    const ca = await ensureCertificateAuthority(join(dir, 'ca'), 'berth drains test CA');
    const cert = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
    await issueServerCertificate(ca, cert, ['127.0.0.1', 'localhost']);
    const r = new RsyslogReceiver(dir, { tcp: await freePort(), tls: await freePort() });
    // One line per message: fields joined by a tab, which Berth's frames never put in a header field.
    writeFileSync(join(dir, 'rsyslog.conf'), `
global(workDirectory="${join(dir, 'work')}" maxMessageSize="64k")
module(load="imtcp" maxSessions="100")
template(name="fields" type="string" string="%$!listener%\\t%hostname%\\t%app-name%\\t%procid%\\t%msgid%\\t%timestamp:::date-rfc3339%\\t%msg%\\n")
ruleset(name="tcp") { set $!listener = "tcp"; action(type="omfile" file="${r.out}" template="fields") }
ruleset(name="tls") { set $!listener = "tls"; action(type="omfile" file="${r.out}" template="fields") }
input(type="imtcp" port="${r.tcpPort}" address="127.0.0.1" ruleset="tcp")
input(type="imtcp" port="${r.tlsPort}" address="127.0.0.1" ruleset="tls"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"
      streamDriver.CAFile="${ca.certFile}" streamDriver.CertFile="${cert.certFile}" streamDriver.KeyFile="${cert.keyFile}")
`);
    await r.restart();
    return r;
  }

  /** (Re)starts rsyslogd and waits until both ports accept connections. */
  async restart(): Promise<void> {
    const child = spawn(RSYSLOGD, ['-n', '-f', join(this.dir, 'rsyslog.conf'), '-i', join(this.dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('error', () => undefined);
    this.child = child;
    const deadline = Date.now() + 15_000;
    while (!(await accepts(this.tcpPort)) || !(await accepts(this.tlsPort))) {
      if (child.exitCode !== null) throw new Error(`rsyslogd exited ${child.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`rsyslogd did not listen in 15 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops rsyslogd at once (SIGKILL: what it had not written is lost, as in a crash). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }

  received(): ReceivedMessage[] {
    if (!existsSync(this.out)) return [];
    return readFileSync(this.out, 'utf8').split('\n').filter((l) => l !== '').map((l) => {
      const [listener, hostname, appName, procId, msgId, timestamp, ...rest] = l.split('\t');
      return { listener: listener as 'tcp' | 'tls', hostname: hostname!, appName: appName!, procId: procId!, msgId: msgId!, timestamp: timestamp!, msg: rest.join('\t') };
    });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
