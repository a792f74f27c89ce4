// The server end of one push's pre-receive hook: a Unix socket in a private (0700) temp directory,
// named to `git receive-pack` (and so to its hook) through the environment. The path is the
// credential: nothing else can reach it, and it lives only as long as the push.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOOK_SOCKET_ENV } from './hook-script.js';

/** What the hook sends: git's ref update lines, and where the pushed objects wait until the hook accepts them. */
export interface HookCall {
  updates: string;
  /** GIT_QUARANTINE_PATH: the pushed objects are only readable through it while the hook runs. */
  quarantine: string | null;
}

/** Writes lines to the pusher (as `remote:` lines); resolves with the hook's exit code (0 accepts the push). */
export type HookHandler = (call: HookCall, say: (line: string) => void, signal: AbortSignal) => Promise<number>;

export interface HookChannel {
  /** Environment for `git receive-pack` so that its hook finds this channel. */
  env: Record<string, string>;
  /** Resolves once a hook call (if any) has been answered; closes the socket and removes its directory. */
  close(): Promise<void>;
}

const MAX_CALL_BYTES = 4 * 1024 * 1024;

export async function openHookChannel(handler: HookHandler): Promise<HookChannel> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-push-'));
  const socketPath = join(dir, 'hook.sock');
  const calls = new Set<Promise<void>>();
  let answered = false;
  // Half-open: the hook ends its side after sending the call and keeps reading the answer.
  const server = createServer({ allowHalfOpen: true }, (conn) => {
    // A push runs its pre-receive hook once; a second caller is not git.
    if (answered) return conn.destroy();
    answered = true;
    const call = serve(conn, handler);
    calls.add(call);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    env: { [HOOK_SOCKET_ENV]: socketPath },
    async close() {
      await Promise.all(calls);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function serve(conn: Socket, handler: HookHandler): Promise<void> {
  const abort = new AbortController();
  // The hook is gone (the pusher hung up, git was killed): stop streaming to it.
  conn.on('close', () => abort.abort());
  conn.on('error', () => abort.abort());
  const send = (text: string) => {
    if (!conn.destroyed && conn.writable) conn.write(text);
  };
  let code = 1;
  try {
    const call = await readCall(conn);
    code = await handler(call, (line) => send(`o ${line.replace(/[\r\n]+/g, ' ')}\n`), abort.signal);
  } catch (e) {
    send(`o  !     Berth could not handle this push: ${e instanceof Error ? e.message : String(e)}\n`);
    code = 1;
  }
  send(`x ${code}\n`);
  conn.end();
}

function readCall(conn: Socket): Promise<HookCall> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    conn.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CALL_BYTES) return reject(new Error('the hook sent too much'));
      chunks.push(c);
    });
    conn.on('end', () => {
      try {
        const raw = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<HookCall>;
        if (typeof raw.updates !== 'string') throw new Error('no ref updates');
        resolve({ updates: raw.updates, quarantine: typeof raw.quarantine === 'string' ? raw.quarantine : null });
      } catch (e) {
        reject(new Error(`unreadable hook call: ${(e as Error).message}`));
      }
    });
    conn.on('error', reject);
  });
}
