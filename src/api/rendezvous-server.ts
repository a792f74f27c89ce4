// The one-off rendezvous the stock heroku CLI attaches through (`heroku run`): its attach_url is
// rendezvous://HOST:PORT/SECRET, it opens TLS to HOST:PORT, sends the secret as one line, throws
// away the first line it receives, then the connection is the dyno's terminal: bytes both ways,
// output merged, the server closing when the command has exited. The exit code travels only as the CLI's own `; echo … $?` suffix (`run -x`).
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from '../platform/logger.js';
import type { OneOffDynos } from '../services/one-off-dynos.js';
import type { AttachSession, AttachSessions } from './attach-sessions.js';

const SECRET = /^\/?([0-9a-f-]{36})$/;
const MAX_FIRST_LINE = 1024;
const FIRST_LINE_TIMEOUT_MS = 10_000;
const END_OF_INPUT = 0x04;
const LF = 0x0a;

export interface RendezvousOptions {
  sessions: AttachSessions;
  oneOffs: Pick<OneOffDynos, 'runAttached' | 'stop'>;
  cert: Buffer;
  key: Buffer;
  logger: Logger;
}

export function rendezvousServer(o: RendezvousOptions): Server {
  const server = createServer({ cert: o.cert, key: o.key }, (socket) => {
    socket.on('error', (e: Error) => o.logger.info('rendezvous-connection-error', { error: e.message }));
    void greet(socket, o).catch((e: Error) => {
      o.logger.warn('rendezvous-failed', { error: e.message });
      socket.destroy();
    });
  });
  // A client that fails the handshake (it does not trust the certificate) is its own problem.
  server.on('tlsClientError', (e: Error) => o.logger.info('rendezvous-handshake-failed', { error: e.message }));
  server.on('error', (e: Error) => o.logger.error('rendezvous-server-error', { error: e.message }));
  return server;
}

async function greet(socket: TLSSocket, o: RendezvousOptions): Promise<void> {
  socket.setTimeout(FIRST_LINE_TIMEOUT_MS, () => socket.destroy());
  const first = await firstLine(socket);
  if (!first) return;
  socket.setTimeout(0); // from here the one-off's own lifetime limit applies
  const secret = SECRET.exec(first.line.split('?')[0]!.trim())?.[1];
  const session = secret ? o.sessions.take(secret) : undefined;
  if (!session) {
    socket.end('! This one-off has already been attached, has ended, or its attach URL expired.\r\n');
    return;
  }
  // The CLI discards its first read: the greeting goes out, and is flushed, before the command starts.
  await new Promise<void>((resolve) => socket.write('rendezvous\r\n', () => resolve()));
  await attach(socket, session, first.rest, o);
}

/** The secret line, and whatever the client sent after it; undefined when the client went away. */
async function firstLine(socket: TLSSocket): Promise<{ line: string; rest: Buffer } | undefined> {
  let buffered = Buffer.alloc(0);
  for (;;) {
    const end = buffered.indexOf(LF);
    if (end >= 0) return { line: buffered.subarray(0, end).toString('utf8').replace(/\r$/, ''), rest: buffered.subarray(end + 1) };
    if (buffered.length > MAX_FIRST_LINE) {
      socket.destroy();
      return undefined;
    }
    const chunk = socket.read() as Buffer | null;
    if (chunk) {
      buffered = Buffer.concat([buffered, chunk]);
      continue;
    }
    if (socket.readableEnded || socket.destroyed) return undefined;
    await Promise.race([once(socket, 'readable'), once(socket, 'close')]);
  }
}

async function attach(socket: TLSSocket, { actor, prepared }: AttachSession, early: Buffer, o: RendezvousOptions): Promise<void> {
  // As on Heroku, the one-off gets a terminal unless the client forced none (`--no-tty`): then the
  // terminal does what a terminal does with keystrokes (echo, Enter, Ctrl-D as the end of input).
  // Without one the input is data, and the CLI's EOT (\x04) marks where it ends.
  const tty = !prepared.forceNoTty;
  const stdin = new PassThrough();
  const toStdin = (chunk: Buffer) => {
    if (stdin.writableEnded) return;
    if (tty) {
      stdin.write(chunk);
      return;
    }
    const eot = chunk.indexOf(END_OF_INPUT);
    stdin.write(eot >= 0 ? chunk.subarray(0, eot) : chunk);
    if (eot >= 0) stdin.end();
  };
  if (early.length > 0) toStdin(early);
  socket.on('data', toStdin);
  socket.resume();
  let finished = false;
  // As on Heroku, an attached one-off ends with its connection (Ctrl-C, a dropped network).
  socket.on('close', () => {
    stdin.end();
    if (!finished) o.oneOffs.stop(prepared, 'client disconnected');
  });
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      // A write to a connection that is gone is lost; 'close' above stops the one-off.
      if (socket.writable) socket.write(chunk, () => done());
      else done();
    },
  });
  try {
    await o.oneOffs.runAttached(actor, prepared, { stdin, stdout: output, stderr: output, tty });
  } catch (e) {
    o.logger.error('one-off-failed', { app: prepared.appId, error: (e as Error).message });
    if (socket.writable) socket.write(`berth: ${(e as Error).message}\r\n`);
  } finally {
    finished = true;
  }
  socket.end();
}
