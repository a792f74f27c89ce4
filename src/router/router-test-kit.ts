// Test helpers for the router: real backends, a started router, and a plain HTTP client.
import { Agent, createServer, request, type IncomingHttpHeaders, type OutgoingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { LogSink } from '../logs/log-sink.js';
import { silentLogger } from '../platform/logger.js';
import type { RequestSample } from './request-metrics.js';
import { RouteTable, type RouteBackend, type RouteEntry } from './route-table.js';
import { Router, type HttpsListenOptions, type RouterOptions } from './router.js';

export interface TestBackend {
  port: number;
  server: Server;
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startBackend(handler: RequestListener): Promise<TestBackend> {
  const server = createServer(handler);
  const backend: TestBackend = {
    port: 0,
    server,
    connections: 0,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  server.on('connection', () => backend.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  backend.port = typeof address === 'object' && address ? address.port : 0;
  return backend;
}

/** A port nothing listens on any more: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const backend = await startBackend(() => {});
  await backend.close();
  return backend.port;
}

/**
 * A port whose connects time out, as a vanished node's address does: a listening socket with a
 * backlog of 1 that nobody accepts from (its worker thread sleeps in Atomics.wait), filled with
 * connections, so the kernel drops every further SYN.
 */
export async function blackholedPort(): Promise<{ port: number; close(): Promise<void> }> {
  const wake = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(`
    const { workerData, parentPort } = require('node:worker_threads');
    const server = require('node:net').createServer();
    server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
      parentPort.postMessage(server.address().port);
      Atomics.wait(workerData, 0, 0);
      server.close();
    });`, { eval: true, workerData: wake });
  worker.on('error', () => {});
  const port = await new Promise<number>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  const fillers: Socket[] = [];
  // Connect until one hangs: the kernel's accept queue for this socket is then full.
  for (let i = 0; i < 8; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    fillers.push(socket);
    const opened = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 500);
      socket.once('connect', () => { clearTimeout(timer); resolve(true); });
    });
    if (!opened) break;
  }
  return {
    port,
    close: async () => {
      for (const s of fillers) s.destroy();
      Atomics.store(wake, 0, 1);
      Atomics.notify(wake, 0);
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

export const backendAt = (port: number, n = 1): RouteBackend => ({ instanceId: `i-${port}`, dyno: `web.${n}`, host: '127.0.0.1', port });

export const route = (appName: string, backends: RouteBackend[], extra: Partial<RouteEntry> = {}): RouteEntry => ({
  appId: `id-${appName}`, appName, maintenance: false, backends, crashed: false, ...extra,
});

export interface LoggedLine { appId: string; source: string; dyno: string; message: string }

export interface TestRouter {
  port: number;
  /** Set when the router was started with an HTTPS listener. */
  httpsPort?: number;
  routes: RouteTable;
  lines: LoggedLine[];
  samples: RequestSample[];
  stop(): Promise<void>;
}

export async function startRouter(options: Partial<RouterOptions> = {}, https?: HttpsListenOptions): Promise<TestRouter> {
  const routes = options.routes ?? new RouteTable();
  const lines: LoggedLine[] = [];
  const samples: RequestSample[] = [];
  const logSink: LogSink = { write: (appId, source, dyno, message) => void lines.push({ appId, source, dyno, message }) };
  const controller = new AbortController();
  const router = new Router({ logger: silentLogger, logSink, metrics: { onRequest: (s) => void samples.push(s) }, shutdownGraceMs: 50, ...options, routes });
  const { port, httpsPort, stopped } = await router.start(controller.signal, { port: 0, host: '127.0.0.1', ...(https ? { https } : {}) });
  return { port, ...(httpsPort !== undefined ? { httpsPort } : {}), routes, lines, samples, stop: () => { controller.abort(); return stopped; } };
}

export interface Reply { status: number; headers: IncomingHttpHeaders; body: Buffer }

export interface SendOptions {
  host: string;
  method?: string;
  path?: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | string;
  agent?: Agent;
  /** The client's own address (any of 127/8), to tell it from the router's. */
  localAddress?: string;
}

/** One request to the router; a fresh connection unless an agent is given. */
export function send(port: number, o: SendOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path ?? '/', headers: { host: o.host, ...o.headers }, agent: o.agent ?? false, ...(o.localAddress ? { localAddress: o.localAddress } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The router's access-log lines, which are the only `router` lines. */
export const routerLines = (r: TestRouter): string[] => r.lines.filter((l) => l.source === 'router').map((l) => l.message);
