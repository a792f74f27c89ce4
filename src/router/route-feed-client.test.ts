import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTestApi, type TestApi } from '../../test/support/test-api.js';
import { internalRoutes, type EdgeFeedSource } from '../api/routes/internal-routes.js';
import { INTERNAL_TOKEN_HEADER, type EdgeChange, type PublishedEdge, type PublishedRoute } from '../domain/internal-protocol.js';
import { FakeClock } from '../platform/testing/fake-clock.js';
import type { LogSource } from '../logs/log-sink.js';
import { systemClock } from '../platform/clock.js';
import { silentLogger, type Logger } from '../platform/logger.js';
import { RouteFeedClient } from './route-feed-client.js';
import { RouteTable } from './route-table.js';

const TOKEN = 'internal-token-for-tests-0123456789abcdef';
const route = (appName: string, port: number): PublishedRoute => ({
  appId: `id-${appName}`, appName, maintenance: false, crashed: false, backends: [{ instanceId: `i-${appName}`, dyno: 'web.1', host: '127.0.0.1', port }],
});
const portsOf = (t: RouteTable) => Object.fromEntries(t.entries().map((e) => [e.appName, e.backends.map((b) => b.port)]));

interface ControlPlane {
  api: TestApi;
  /** The API's published routes (what the health manager writes). */
  published: RouteTable;
  logLines: Array<{ appId: string; source: LogSource; message: string; time?: string }>;
  /** Like a killed API: every feed connection ends and nothing answers any more. */
  stop(): Promise<void>;
}

/** The API side: the internal endpoints on the real API server, its routes, a log sink. */
async function startControlPlane(opts: { synced?: Promise<void>; routes?: PublishedRoute[]; heartbeatMs?: number; edges?: EdgeFeedSource } = {}): Promise<ControlPlane> {
  const published = new RouteTable();
  for (const r of opts.routes ?? []) published.set(r);
  const logLines: ControlPlane['logLines'] = [];
  const feeds = new AbortController();
  const api = await startTestApi([internalRoutes({
    token: TOKEN, routes: published, synced: () => opts.synced ?? Promise.resolve(), signal: feeds.signal, heartbeatMs: opts.heartbeatMs, ...(opts.edges ? { edges: opts.edges } : {}),
    logSink: { write: (appId, source, _dyno, message, time) => void logLines.push({ appId, source, message, time }) },
  })]);
  return { api, published, logLines, stop: async () => { feeds.abort(); await api.close(); } };
}

const open: Array<{ stop(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.stop();
});

function follow(apiUrl: string, table: RouteTable, opts: { token?: string; logger?: Logger; clock?: FakeClock; heartbeatTimeoutMs?: number; onTable?: (r: PublishedRoute[]) => void } = {}) {
  const controller = new AbortController();
  const client = new RouteFeedClient({
    apiUrl, token: opts.token ?? TOKEN, table, clock: opts.clock ?? systemClock, logger: opts.logger ?? silentLogger,
    backoff: { initialMs: 20, maxMs: 100 }, heartbeatTimeoutMs: opts.heartbeatTimeoutMs, onTable: opts.onTable,
  });
  const done = client.start(controller.signal);
  open.push({ stop: async () => { controller.abort(); await done; } });
  return done;
}

describe('route feed (GET /internal/routes) and its client', () => {
  it('replaces the router table with the snapshot, then applies each change', async () => {
    const plane = await startControlPlane({ routes: [route('alpha', 5001)] });
    open.push(plane);
    const table = new RouteTable();
    table.set(route('destroyed-meanwhile', 4999));
    const saved: PublishedRoute[][] = [];
    void follow(plane.api.url, table, { onTable: (r) => saved.push(r) });
    await vi.waitFor(() => expect(portsOf(table)).toEqual({ alpha: [5001] }));

    plane.published.set(route('beta', 5002));
    plane.published.set(route('alpha', 5003));
    await vi.waitFor(() => expect(portsOf(table)).toEqual({ alpha: [5003], beta: [5002] }));
    plane.published.remove('beta');
    await vi.waitFor(() => expect(portsOf(table)).toEqual({ alpha: [5003] }));
    expect(saved.at(-1)?.map((r) => r.appName)).toEqual(['alpha']); // what the router persists
  });

  it('carries each app\'s edge (domains, sealed certificates, features): in the snapshot, then each change', async () => {
    const edge = (hostname: string): PublishedEdge => ({ appId: 'id-alpha', domains: [{ hostname, certificateId: null }], certificates: [], httpRedirect: true, hsts: false });
    const listeners = new Set<(c: EdgeChange) => void>();
    let current = [edge('www.example.com')];
    const edges: EdgeFeedSource = { entries: () => current, onChange: (l) => { listeners.add(l); return () => listeners.delete(l); } };
    const plane = await startControlPlane({ routes: [route('alpha', 5001)], edges });
    open.push(plane);
    const table = new RouteTable();
    void follow(plane.api.url, table);
    await vi.waitFor(() => expect(table.get('www.example.com')?.appName).toBe('alpha'));
    expect(table.edgeOf('id-alpha')?.httpRedirect).toBe(true);
    current = [edge('shop.example.com')];
    for (const l of listeners) l({ type: 'edge', appId: 'id-alpha', edge: current[0]! });
    await vi.waitFor(() => expect(table.get('shop.example.com')?.appName).toBe('alpha'));
    expect(table.get('www.example.com')).toBeUndefined();
    for (const l of listeners) l({ type: 'edge', appId: 'id-alpha', edge: null });
    await vi.waitFor(() => expect(table.get('shop.example.com')).toBeUndefined());
  });

  it('keeps the last known routes while the API is down, and follows the new API when it is back', async () => {
    const first = await startControlPlane({ routes: [route('alpha', 5001)] });
    const table = new RouteTable();
    void follow(first.api.url, table);
    await vi.waitFor(() => expect(portsOf(table)).toEqual({ alpha: [5001] }));
    const port = Number(new URL(first.api.url).port);
    await first.stop();
    await new Promise((r) => setTimeout(r, 300)); // several failed reconnects
    expect(portsOf(table)).toEqual({ alpha: [5001] });

    // The API comes back on the same port with a changed world (alpha moved, beta new).
    const again = await startFeedServerOn(port, [route('alpha', 6001), route('beta', 6002)]);
    open.push(again);
    await vi.waitFor(() => expect(portsOf(table)).toEqual({ alpha: [6001], beta: [6002] }));
  });

  it('does not take a restarted API\'s routes until it has synced (its table is still empty)', async () => {
    let markSynced!: () => void;
    const synced = new Promise<void>((r) => (markSynced = r));
    const plane = await startControlPlane({ synced, heartbeatMs: 20 });
    open.push(plane);
    const table = new RouteTable();
    table.set(route('alpha', 5001)); // restored from the router's snapshot file
    void follow(plane.api.url, table);
    await new Promise((r) => setTimeout(r, 200)); // heartbeats arrive, no snapshot
    expect(portsOf(table)).toEqual({ alpha: [5001] });
    plane.published.set(route('alpha', 7001));
    markSynced();
    await vi.waitFor(() => expect(portsOf(table)).toEqual({ alpha: [7001] }));
  });

  it('refuses a wrong internal token and a tenant\'s API token; the router keeps its table', async () => {
    const plane = await startControlPlane({ routes: [route('alpha', 5001)] });
    open.push(plane);
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_e, f) => void warnings.push(String(f?.reason)) };
    const table = new RouteTable();
    table.set(route('kept', 4000));
    void follow(plane.api.url, table, { token: 'x'.repeat(TOKEN.length), logger });
    await vi.waitFor(() => expect(warnings[0]).toMatch(/refused/));
    expect(portsOf(table)).toEqual({ kept: [4000] });

    const tenant = await plane.api.login('admin@example.com', 'correct horse battery');
    expect((await plane.api.call('POST', '/internal/router-logs', { token: tenant, body: { lines: [] } })).status).toBe(401);
    const feed = await fetch(`${plane.api.url}/internal/routes`, { headers: { Authorization: `Bearer ${tenant}` } });
    expect(feed.status).toBe(401);
  });

  it('reconnects when the heartbeats stop although the connection stays open', async () => {
    const clock = new FakeClock();
    const connections: Array<() => void> = [];
    const silent = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      res.write(JSON.stringify({ type: 'snapshot', routes: [route('alpha', 5000 + connections.length)] }) + '\n');
      connections.push(() => res.destroy()); // then silence: a half-dead peer
    });
    await listen(silent, 0);
    open.push({ stop: () => new Promise<void>((r) => { for (const c of connections) c(); silent.close(() => r()); }) });
    const table = new RouteTable();
    void follow(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, table, { clock, heartbeatTimeoutMs: 15_000 });
    await vi.waitFor(() => expect(connections).toHaveLength(1));
    await clock.advance(14_000);
    expect(connections).toHaveLength(1);
    await clock.advance(1_000 + 100); // timeout, then the first reconnect delay
    await vi.waitFor(() => expect(connections).toHaveLength(2));
    await vi.waitFor(() => expect(portsOf(table)).toEqual({ alpha: [5001] }));
  });

  it('survives a feed that sends nonsense: the table stays, the client reconnects', async () => {
    const bodies = ['{"type":"set","route":{"appName":"alpha","backends":"nope"}}\n', 'not json\n', '{"type":"snapshot","routes":[{"x":1}]}\n'];
    let served = 0;
    const server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      res.end(bodies[served++ % bodies.length]);
    });
    await listen(server, 0);
    open.push({ stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
    const table = new RouteTable();
    table.set(route('alpha', 5001));
    void follow(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, table);
    await vi.waitFor(() => expect(served).toBeGreaterThanOrEqual(4), { timeout: 15_000 });
    expect(portsOf(table)).toEqual({ alpha: [5001] });
  });

  it('writes router access-log lines into the apps\' log streams as source router, at the time the router wrote them', async () => {
    const plane = await startControlPlane();
    open.push(plane);
    const res = await fetch(`${plane.api.url}/internal/router-logs`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', [INTERNAL_TOKEN_HEADER]: TOKEN },
      body: JSON.stringify({ lines: [{ appId: 'app-1', message: 'at=info method=GET path="/"', time: '2026-01-02T03:04:05.678Z' }] }),
    });
    expect(res.status).toBe(204);
    expect(plane.logLines).toEqual([{ appId: 'app-1', source: 'router', message: 'at=info method=GET path="/"', time: '2026-01-02T03:04:05.678Z' }]);
  });
});

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

/** A second API process on the port the first one had (what a restart looks like to the router). */
async function startFeedServerOn(port: number, routes: PublishedRoute[]): Promise<{ stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.headers[INTERNAL_TOKEN_HEADER] !== TOKEN) return void res.writeHead(401).end();
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    res.write(JSON.stringify({ type: 'snapshot', routes }) + '\n');
  });
  await listen(server, port);
  return { stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
