// The rendezvous protocol as the heroku CLI speaks it, against a one-off that echoes its input:
// the greeting line, terminal or not, the end-of-input byte, a secret used twice, a client gone.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../domain/types.js';
import { silentLogger } from '../platform/logger.js';
import { ensureSelfSignedCertificate } from '../platform/self-signed-certificate.js';
import type { OneOffIo, PreparedOneOff } from '../services/one-off-dynos.js';
import { AttachSessions } from './attach-sessions.js';
import { rendezvousServer } from './rendezvous-server.js';

const actor = { id: 'u1', email: 'a@example.com' } as User;

/**
 * A one-off that copies its input to its output and exits 0 when the input ends, or, on a
 * terminal, at Ctrl-D (as a terminal's line discipline would end it); records stops.
 */
class EchoOneOffs {
  stopped: string[] = [];
  abandoned = 0;
  ttys: boolean[] = [];
  async runAttached(_actor: User, p: PreparedOneOff, io: OneOffIo): Promise<number> {
    this.ttys.push(io.tty === true);
    await new Promise<void>((resolve) => {
      io.stdin!.on('data', (c: Buffer) => {
        io.stdout.write(`<${c.toString('utf8')}>`);
        if (io.tty && c.includes(0x04)) resolve();
      });
      io.stdin!.on('end', () => resolve());
      p.entry.stop.signal.addEventListener('abort', () => resolve());
    });
    return 0;
  }
  stop(p: PreparedOneOff, reason: string): void {
    this.stopped.push(reason);
    p.entry.stop.abort(reason);
  }
  abandon(): void {
    this.abandoned++;
  }
}

const prepared = (forceNoTty: boolean) =>
  ({ appId: 'app-1', dynoName: 'run.1', forceNoTty, entry: { stop: new AbortController() } }) as unknown as PreparedOneOff;

describe('rendezvous server', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let ca: Buffer;
  const oneOffs = new EchoOneOffs();
  const sessions = new AttachSessions(oneOffs);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-rendezvous-'));
    const certFile = join(dir, 'r.crt');
    const keyFile = join(dir, 'r.key');
    const made = await ensureSelfSignedCertificate({ certFile, keyFile, commonName: 'localhost', hosts: ['localhost', '127.0.0.1'] });
    expect(made).toEqual({ ok: true, created: true });
    ca = readFileSync(certFile);
    server = rendezvousServer({ sessions, oneOffs, cert: ca, key: readFileSync(keyFile), logger: silentLogger });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.close();
    sessions.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Connects as the CLI does (verifying the certificate) and sends the secret line. */
  async function attach(secret: string): Promise<{ socket: TLSSocket; received: () => string; closed: Promise<void> }> {
    const socket = connect({ host: '127.0.0.1', port, ca });
    let data = '';
    socket.setEncoding('utf8').on('data', (c: string) => (data += c));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    await new Promise<void>((r, j) => socket.once('secureConnect', () => r()).once('error', j));
    socket.write(`${secret}\r\n`);
    return { socket, received: () => data, closed };
  }

  async function until(cond: () => boolean): Promise<void> {
    for (let n = 0; n < 500 && !cond(); n++) await new Promise((r) => setTimeout(r, 10));
    expect(cond()).toBe(true);
  }

  it('greets with one line, then runs the command on a terminal that gets the keystrokes as typed', async () => {
    const secret = sessions.open(actor, prepared(false));
    const c = await attach(secret);
    await until(() => c.received().startsWith('rendezvous\r\n'));
    c.socket.write('ls\r');
    await until(() => c.received().includes('<ls\r>'));
    c.socket.write('\u0004');
    await c.closed; // the terminal's Ctrl-D ended it → the server closed the connection
    expect(c.received()).toBe('rendezvous\r\n<ls\r><\u0004>');
    expect(oneOffs.ttys.at(-1)).toBe(true);
  });

  it('with --no-tty the input is data, ended by the CLI\'s EOT byte', async () => {
    const secret = sessions.open(actor, prepared(true));
    const c = await attach(secret);
    c.socket.write('a\r\nb\u0004ignored after the end');
    await c.closed;
    expect(c.received()).toBe('rendezvous\r\n<a\r\nb>');
    expect(oneOffs.ttys.at(-1)).toBe(false);
  });

  it('a secret works once: a second connection with it is told so and closed', async () => {
    const p = prepared(true);
    const secret = sessions.open(actor, p);
    const first = await attach(secret);
    await until(() => first.received().startsWith('rendezvous'));
    const second = await attach(secret);
    await second.closed;
    expect(second.received()).toMatch(/already been attached, has ended, or its attach URL expired/);
    first.socket.end('\u0004');
    await first.closed;
  });

  it('a client that goes away stops its one-off', async () => {
    const before = oneOffs.stopped.length;
    const secret = sessions.open(actor, prepared(true));
    const c = await attach(secret);
    await until(() => c.received().startsWith('rendezvous'));
    c.socket.destroy();
    await until(() => oneOffs.stopped.length > before);
    expect(oneOffs.stopped.at(-1)).toBe('client disconnected');
  });
});
