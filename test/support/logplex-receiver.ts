// A real HTTPS drain receiver for tests: a node https server (certificate from a test CA) that
// parses Heroku's application/logplex-1 bodies (octet-counted RFC 5424 messages) and keeps every
// POST's headers and messages.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface LogplexPost { headers: Record<string, string | string[] | undefined>; messages: string[] }

/** Splits `<len> <msg><len> <msg>…` by the byte counts; throws on anything else. */
export function parseLogplexBody(body: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const len = Number(body.subarray(at, space).toString('ascii'));
    if (space < 0 || !Number.isInteger(len) || len <= 0) throw new Error(`not octet-counted at byte ${at}`);
    out.push(body.subarray(space + 1, space + 1 + len).toString('utf8'));
    at = space + 1 + len;
  }
  return out;
}

export class LogplexReceiver {
  readonly posts: LogplexPost[] = [];
  /** Answer this status instead of 200 (a drain that is down at the HTTP level). */
  status = 200;
  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(cert: { certFile: string; keyFile: string }): Promise<LogplexReceiver> {
    let self: LogplexReceiver | undefined;
    const server = createServer({ cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', () => res.destroy());
      req.on('end', () => {
        if (self!.status === 200) self!.posts.push({ headers: req.headers, messages: parseLogplexBody(Buffer.concat(chunks)) });
        res.statusCode = self!.status;
        res.end();
      });
    });
    server.on('clientError', (_e, socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new LogplexReceiver(server, (server.address() as AddressInfo).port);
    return self;
  }

  messages(): string[] {
    return this.posts.flatMap((p) => p.messages);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
