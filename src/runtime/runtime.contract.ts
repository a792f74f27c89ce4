// The behaviour every runtime driver must show, as one vitest suite each driver runs with its
// own harness: `runtimeContract('local', makeLocalHarness)`. The "app" is a tiny Node HTTP server.
// Two parts: the lifecycle (start, stop, list, exits, removal, refusals) that any Runtime shows, the
// health tests' in-memory fake included; and what needs a real process (HTTP, signals, logs, one-offs,
// stats), which only the drivers run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import type { Instance, InstanceSpec, Runtime } from './runtime.js';
import { findSize } from '../domain/sizes.js';

export interface RuntimeHarness {
  runtime: Runtime;
  /** Turns files into what the driver runs as a slug: a directory (local) or an image (docker). */
  makeSlug(files: Record<string, string>): Promise<string>;
  /** Frees everything the harness made; instances are already stopped by the suite. */
  cleanup(): Promise<void>;
}

/** Answers every request with the env a dyno should see; listens on every interface, as Heroku asks of apps (a container's loopback is not reachable from outside it). */
export const ECHO_SERVER_JS = `
const http = require('http');
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ port: process.env.PORT, dyno: process.env.DYNO, greeting: process.env.GREETING }));
}).listen(Number(process.env.PORT), () => console.log('listening on ' + process.env.PORT));
`;

export function specFor(slug: string, overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    appId: 'app-contract',
    appName: 'contract-app',
    releaseId: 'release-1',
    releaseVersion: 1,
    processType: 'web',
    index: 1,
    command: 'node server.js',
    env: { GREETING: 'hello from config' },
    slug,
    size: findSize('standard-1x')!,
    ...overrides,
  };
}

/** Polls until check returns a value; tolerant of slow machines, bounded so a broken driver fails. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${String(lastError ?? '')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function getJson(instance: Instance): Promise<Record<string, unknown>> {
  const { host, port } = instance.address!;
  const res = await fetch(`http://${host}:${port}/`);
  return (await res.json()) as Record<string, unknown>;
}

export function portAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** The whole contract: what every driver must pass. */
export function runtimeContract(name: string, makeHarness: () => Promise<RuntimeHarness>): void {
  describe(`Runtime contract: ${name}`, () => {
    const h = useHarness(makeHarness);
    lifecycleCases(h);
    processCases(h);
  });
}

/**
 * The lifecycle part alone, for runtimes that run no real process (the health tests' fake). Such a
 * runtime must still end an instance whose command is `… exit N` on its own with that code.
 */
export function runtimeLifecycleContract(name: string, makeHarness: () => Promise<RuntimeHarness>): void {
  describe(`Runtime contract (lifecycle): ${name}`, () => lifecycleCases(useHarness(makeHarness)));
}

interface HarnessRef {
  harness: RuntimeHarness;
  runtime: Runtime;
  slug: string;
}

function useHarness(makeHarness: () => Promise<RuntimeHarness>): HarnessRef {
  const h = {} as HarnessRef;
  beforeEach(async () => {
    h.harness = await makeHarness();
    h.runtime = h.harness.runtime;
    h.slug = await h.harness.makeSlug({ 'server.js': ECHO_SERVER_JS });
  });

  afterEach(async () => {
    for (const instance of await h.runtime.list()) {
      await h.runtime.stop(instance.id, { graceMs: 2000 });
      await h.runtime.remove(instance.id);
    }
    await h.harness.cleanup();
  });
  return h;
}

function lifecycleCases(h: HarnessRef): void {
    it('starts a running instance named after its process type and index', async () => {
      const { runtime, slug } = h;
      const instance = await runtime.start(specFor(slug, { index: 2 }));
      expect(instance).toMatchObject({ status: 'running', name: 'web.2', processType: 'web', index: 2, releaseVersion: 1, exitCode: null });
      expect(instance.address).not.toBeNull();
      expect(await runtime.inspect(instance.id)).toMatchObject({ id: instance.id, status: 'running' });
    });

    it('reports the size an instance was started with, in start, inspect and list (what a resize compares)', async () => {
      const { runtime, slug } = h;
      const small = await runtime.start(specFor(slug, { index: 1 }));
      const large = await runtime.start(specFor(slug, { index: 2, size: findSize('standard-2x')! }));
      expect([small.size, large.size]).toEqual(['standard-1x', 'standard-2x']);
      expect((await runtime.inspect(large.id))?.size).toBe('standard-2x');
      const listed = await runtime.list({ appId: 'app-contract' });
      expect(listed.map((i) => `${i.name}:${i.size}`).sort()).toEqual(['web.1:standard-1x', 'web.2:standard-2x']);
    });

    it('stops an instance: it is reported exited; stopping twice or an unknown id is harmless', async () => {
      const { runtime, slug } = h;
      const instance = await runtime.start(specFor(slug));
      await runtime.stop(instance.id);
      expect((await runtime.inspect(instance.id))?.status).toBe('exited');
      await runtime.stop(instance.id);
      await runtime.stop('no-such-instance');
    });

    it('lists instances, filtered by app', async () => {
      const { runtime, slug } = h;
      const a = await runtime.start(specFor(slug, { appId: 'app-a', appName: 'app-a' }));
      const b = await runtime.start(specFor(slug, { appId: 'app-b', appName: 'app-b' }));
      expect((await runtime.list({ appId: 'app-a' })).map((i) => i.id)).toEqual([a.id]);
      expect((await runtime.list()).map((i) => i.id).sort()).toEqual([a.id, b.id].sort());
      // Local instances differ by port on loopback; containers by their own IP.
      expect(a.address).not.toEqual(b.address);
    });

    it('reports an instance that exits on its own, with its exit code, through onExit and inspect', async () => {
      const { runtime, slug } = h;
      const seen: Instance[] = [];
      const unsubscribe = runtime.onExit((i) => seen.push(i));
      const instance = await runtime.start(specFor(slug, { processType: 'worker', command: 'echo working; exit 3' }));
      const exited = await eventually(async () => seen.find((i) => i.id === instance.id));
      unsubscribe();
      expect(exited).toMatchObject({ status: 'exited', exitCode: 3, name: 'worker.1' });
      expect(exited.exitedAt).not.toBeNull();
      expect(await runtime.inspect(instance.id)).toMatchObject({ status: 'exited', exitCode: 3 });
    });

    it('forgets a removed instance', async () => {
      const { runtime, slug } = h;
      const instance = await runtime.start(specFor(slug, { command: 'exit 0' }));
      await eventually(async () => ((await runtime.inspect(instance.id))?.status === 'exited' ? true : undefined));
      await runtime.remove(instance.id);
      expect(await runtime.inspect(instance.id)).toBeUndefined();
      expect(await runtime.list()).toEqual([]);
    });

    it('refuses, as start_refused, an instance whose slug does not exist (trying again cannot help)', async () => {
      const { runtime } = h;
      await expect(runtime.start(specFor('/no/such/slug'))).rejects.toMatchObject({ code: 'start_refused' });
      expect(await runtime.list()).toEqual([]);
    });
}

function processCases(h: HarnessRef): void {
    it('starts an instance that answers HTTP on its address with PORT, DYNO and config vars', async () => {
      const { runtime, slug } = h;
      const instance = await runtime.start(specFor(slug, { index: 2 }));
      expect(instance.status).toBe('running');
      expect(instance.name).toBe('web.2');
      const body = await eventually(() => getJson(instance));
      expect(body).toEqual({ port: String(instance.address!.port), dyno: 'web.2', greeting: 'hello from config' });
    });

    it('stops an instance that served: its port no longer accepts connections', async () => {
      const { runtime, slug } = h;
      const instance = await runtime.start(specFor(slug));
      await eventually(() => getJson(instance));
      await runtime.stop(instance.id);
      expect((await runtime.inspect(instance.id))?.status).toBe('exited');
      expect(await portAccepts(instance.address!.host, instance.address!.port)).toBe(false);
    });

    it('lets the app shut down gracefully on SIGTERM when stopped', async () => {
      const { runtime, slug } = h;
      const instance = await runtime.start(specFor(slug, { command: "trap 'echo shutting down; exit 0' TERM; echo ready; while :; do sleep 0.1; done" }));
      await eventually(async () => (await collect(runtime.logs(instance.id, { follow: false }))).includes('ready') || undefined);
      await runtime.stop(instance.id);
      expect(await runtime.inspect(instance.id)).toMatchObject({ status: 'exited', exitCode: 0 });
      // The shell may also report its interrupted `sleep`; what matters is that the handler ran.
      expect(await collect(runtime.logs(instance.id, { follow: false }))).toContain('shutting down');
    });

    it('escalates to SIGKILL when the app ignores SIGTERM', async () => {
      const { runtime, slug } = h;
      const instance = await runtime.start(specFor(slug, { command: 'trap "" TERM; echo ready; while :; do sleep 0.2; done' }));
      await eventually(async () => (await collect(runtime.logs(instance.id, { follow: false }))).includes('ready') || undefined);
      await runtime.stop(instance.id, { graceMs: 300 });
      expect((await runtime.inspect(instance.id))?.status).toBe('exited');
    });


    it("returns the app's output lines, and follows them until the instance exits", async () => {
      const { runtime, slug } = h;
      const instance = await runtime.start(specFor(slug, { command: 'echo first line; echo "second $GREETING" >&2; sleep 1; echo last line' }));
      const followed = await collect(runtime.logs(instance.id, { follow: true }));
      expect(followed).toEqual(['first line', 'second hello from config', 'last line']);
      expect(await collect(runtime.logs(instance.id, { follow: false }))).toEqual(followed);
    });

    it('sources .profile.d scripts before the command, as Heroku does', async () => {
      const { runtime, harness } = h;
      const profiled = await harness.makeSlug({ '.profile.d/tool.sh': 'export TOOL_HOME=/app/tool\n' });
      const instance = await runtime.start(specFor(profiled, { processType: 'worker', command: 'echo "tool at $TOOL_HOME"' }));
      await eventually(async () => (await runtime.inspect(instance.id))?.status === 'exited' || undefined);
      expect(await collect(runtime.logs(instance.id, { follow: false }))).toContain('tool at /app/tool');
    });

    it('stops following logs when the signal aborts', async () => {
      const { runtime, slug } = h;
      const instance = await runtime.start(specFor(slug));
      const controller = new AbortController();
      const lines: string[] = [];
      for await (const chunk of runtime.logs(instance.id, { follow: true, signal: controller.signal })) {
        lines.push(chunk.line);
        if (chunk.line.startsWith('listening')) controller.abort();
      }
      expect(lines).toEqual([`listening on ${instance.address!.port}`]);
    });

    it('runs a one-off with the release env, returning its output and exit code', async () => {
      const { runtime, slug } = h;
      const stdout = new PassThrough();
      let output = '';
      stdout.on('data', (c: Buffer) => (output += c.toString()));
      const stdin = new PassThrough();
      stdin.end('from stdin\n');
      const { env: _env, index: _index, ...base } = specFor(slug);
      const result = await runtime.exec({
        ...base,
        env: { GREETING: 'one-off' },
        command: 'read line; echo "got $line"; echo "$GREETING on $DYNO"; test -f server.js && exit 4',
        stdin,
        stdout,
      });
      expect(result.exitCode).toBe(4);
      expect(output).toMatch(/^got from stdin\none-off on run\.\d+\n$/);
    });

    it('runs a one-off on a terminal of its own when asked: input as keystrokes, Ctrl-D ends it', async () => {
      const { runtime, slug } = h;
      const stdout = new PassThrough();
      let output = '';
      stdout.on('data', (c: Buffer) => (output += c.toString()));
      const stdin = new PassThrough();
      const { env: _env, index: _index, ...base } = specFor(slug);
      const run = runtime.exec({ ...base, env: {}, command: 'tty; read -r line; echo "got $line"; cat; exit 5', stdin, stdout, tty: true });
      await eventually(async () => (output.includes('/dev/pts/') ? true : undefined));
      // A terminal turns Enter (CR) into a newline and echoes what is typed; Ctrl-D ends cat's input.
      stdin.write('hello\r');
      await eventually(async () => (output.includes('got hello') ? true : undefined));
      stdin.write('\u0004');
      const { exitCode } = await run;
      expect(exitCode).toBe(5);
      expect(output).toMatch(/^\/dev\/pts\/\d+\r\n/);
      expect(output).toContain('hello\r\ngot hello\r\n');
    });

    it('stops a one-off when its signal aborts, with the processes it started', async () => {
      const { runtime, slug } = h;
      const stdout = new PassThrough();
      let output = '';
      stdout.on('data', (c: Buffer) => (output += c.toString()));
      const stop = new AbortController();
      const { env: _env, index: _index, ...base } = specFor(slug);
      // The background sleep holds stdout too, so exec() resolving means it is gone as well.
      const run = runtime.exec({ ...base, env: {}, command: 'sleep 700 & echo started; wait', stdout, signal: stop.signal });
      await eventually(async () => (output.includes('started') ? true : undefined));
      stop.abort();
      const { exitCode } = await run;
      expect(exitCode).not.toBe(0);
    });

    it('stops the one-offs left running when asked to at start, as if their Berth had gone', async () => {
      const { runtime, slug } = h;
      const stdout = new PassThrough();
      let output = '';
      stdout.on('data', (c: Buffer) => (output += c.toString()));
      const { env: _env, index: _index, ...base } = specFor(slug);
      const run = runtime.exec({ ...base, env: {}, command: 'sleep 701 & echo started; wait', stdout });
      await eventually(async () => (output.includes('started') ? true : undefined));
      expect(await runtime.stopLeftoverOneOffs()).toBe(1);
      expect((await run).exitCode).not.toBe(0);
      expect(await runtime.stopLeftoverOneOffs()).toBe(0);
    });

    it('reports CPU and memory of a running instance', async () => {
      const { runtime, slug } = h;
      const spec = specFor(slug);
      const instance = await runtime.start(spec);
      await eventually(() => getJson(instance));
      // A runtime may have no figure yet (swarm: until the node's meter has printed the task's container).
      const stats = await eventually(() => runtime.stats(instance.id), 30_000);
      expect(stats?.cpuSeconds).toBeGreaterThan(0);
      // Resident memory of a small Node.js server: over a megabyte, well under its size's limit.
      expect(stats?.memoryBytes).toBeGreaterThan(1024 * 1024);
      expect(stats?.memoryBytes).toBeLessThan(spec.size.memoryMb * 1024 * 1024);
      if (stats?.memoryLimitBytes !== undefined) expect(stats.memoryLimitBytes).toBe(spec.size.memoryMb * 1024 * 1024);
    });

}

export async function collect(chunks: AsyncIterable<{ line: string }>): Promise<string[]> {
  const lines: string[] = [];
  for await (const chunk of chunks) lines.push(chunk.line);
  return lines;
}
