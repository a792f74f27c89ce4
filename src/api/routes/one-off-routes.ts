// POST /apps/{app}/dynos: one-off dynos, as on Heroku. Detached ones start at once and log to the
// app's stream. Attached ones wait (a minute at most, see AttachSessions) for their client, and
// start when it connects, so no output is lost. The client has two ways in, with one single-use
// secret: `attach_url`, Heroku's TLS rendezvous that the heroku CLI speaks (rendezvous-server.ts),
// and `attach_websocket_url`, Berth's own, which keeps stdout and stderr apart and carries the exit
// code. Websocket frames: client→server binary = stdin bytes, text `{"eof":true}` = end of stdin;
// server→client binary with a first byte 1 (stdout) or 2 (stderr), then one text frame
// `{"exit_code":N}` before the server closes.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { OneOffDynos } from '../../services/one-off-dynos.js';
import type { ApiContext } from '../api-context.js';
import type { AttachSession, AttachSessions } from '../attach-sessions.js';
import { actorOf } from '../authentication.js';

const ATTACH_PATH = /^\/dyno-sessions\/([0-9a-f-]{36})$/;

export interface OneOffRouteDeps {
  oneOffs: OneOffDynos;
  sessions: AttachSessions;
  /** The rendezvous's base URL (rendezvous://host:port), when it runs. */
  rendezvousUrl?: string;
}

export function oneOffRoutes(d: OneOffRouteDeps) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });

    app.post<{ Params: { app: string }; Body: Record<string, unknown> | undefined }>('/apps/:app/dynos', async (req, reply) => {
      const actor = actorOf(req);
      const prepared = await d.oneOffs.prepare(actor, req.params.app, req.body ?? {});
      let attachUrl: string | null = null;
      let websocketUrl: string | null = null;
      if (prepared.attach) {
        const secret = d.sessions.open(actor, prepared);
        websocketUrl = `${ctx.urls.api.replace(/^http/, 'ws')}/dyno-sessions/${secret}`;
        attachUrl = d.rendezvousUrl ? `${d.rendezvousUrl}/${secret}` : websocketUrl;
      } else {
        d.oneOffs.runDetached(actor, prepared);
      }
      return reply.status(201).send({
        id: prepared.dynoName, name: prepared.dynoName, type: 'run', state: 'starting', command: prepared.command,
        size: prepared.size.name, release: { id: prepared.releaseId, version: prepared.releaseVersion },
        app: { id: prepared.app.id, name: prepared.app.name }, attach_url: attachUrl, attach_websocket_url: websocketUrl,
        created_at: prepared.startedAt, updated_at: prepared.startedAt,
      });
    });

    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const m = ATTACH_PATH.exec((req.url ?? '').split('?')[0]!);
      if (!m) {
        // Another route's upgrade is its business; with nobody else listening, refuse it.
        if (app.server.listenerCount('upgrade') === 1) socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const session = d.sessions.take(m[1]!);
      if (!session) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => void attach(ws, session).catch((e: Error) => {
        ctx.logger.error('one-off-attach-failed', { app: session.prepared.appId, error: e.message });
        ws.terminate();
      }));
    };

    const attach = async (ws: WebSocket, { actor, prepared }: AttachSession) => {
      const stdin = new PassThrough();
      // A malformed frame or a reset connection is this client's problem; 'close' follows and stops the one-off.
      ws.on('error', (e: Error) => ctx.logger.info('one-off-connection-error', { app: prepared.appId, error: e.message }));
      ws.on('message', (data, isBinary) => {
        if (isBinary) stdin.write(data as Buffer);
        else if ((data as Buffer).toString() === '{"eof":true}') stdin.end();
      });
      // As on Heroku, an attached one-off ends with its connection: a client that went away
      // (Ctrl-C, a dropped network) must not leave it running unseen until its lifetime ends.
      ws.on('close', () => {
        stdin.end();
        d.oneOffs.stop(prepared, 'client disconnected');
      });
      const frames = (kind: number) => new Writable({
        write(chunk: Buffer, _enc, done) {
          // A send that fails means the client is gone ('close' stops the one-off); the output has nowhere to go.
          if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([kind]), chunk]), () => done());
          else done();
        },
      });
      let exitCode = 1;
      try {
        exitCode = await d.oneOffs.runAttached(actor, prepared, { stdin, stdout: frames(1), stderr: frames(2) });
      } catch (e) {
        ctx.logger.error('one-off-failed', { app: prepared.appId, error: (e as Error).message });
        if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([2]), Buffer.from(`berth: ${(e as Error).message}\n`)]));
      }
      if (ws.readyState === ws.OPEN) {
        ws.send(JSON.stringify({ exit_code: exitCode }));
        ws.close(1000);
      }
    };

    app.server.on('upgrade', onUpgrade);
    app.addHook('onClose', async () => {
      app.server.off('upgrade', onUpgrade);
      d.sessions.close();
      for (const client of wss.clients) client.terminate();
      wss.close();
    });
  };
}
