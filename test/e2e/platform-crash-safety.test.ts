// A server killed (kill -9) in the middle of a deploy: after the restart the interrupted build and
// its pending release are failed with the reason, the `berth deploy` that was waiting says so and
// exits non-zero, and the next deploy works. Real server, real CLI, local runtime.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../support/cli-harness.js';
import { WebSocket } from 'ws';
import { fixture, Platform, processesMatching, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started));

/** `berth deploy` as a child process, so the test can act while it waits. */
function deployWithCli(home: string, dir: string, app: string) {
  const child = spawn(process.execPath, [BIN, 'deploy', dir, '-a', app, '--wait-timeout', '300'], {
    cwd: home, env: { PATH: process.env.PATH, HOME: home, BERTH_API_URL: p.apiUrl, BERTH_API_KEY: p.token }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const guard = setTimeout(() => child.kill('SIGKILL'), 180_000);
  const exited = new Promise<number>((resolve) => child.once('close', (code) => { clearTimeout(guard); resolve(code ?? 1); }));
  return { stdout: () => stdout, stderr: () => stderr, exited };
}

describe('a server killed during a deploy', () => {
  it('fails the interrupted build and release with the reason, tells the waiting CLI, and the next deploy works', async () => {
    const app = 'cs-interrupted';
    await p.createApp(app);
    const dir = await p.copyFixture('release-phase');
    // A release command still running when the server dies: the build is pending and so is its release.
    await writeFile(join(dir, 'Procfile'), 'web: node web.js\nrelease: echo "crash-safety: release started" && sleep 600\n');
    const cli = deployWithCli(await p.tempDir('berth-cs-home-'), dir, app);
    await waitFor(() => cli.stdout().includes('crash-safety: release started'), 90_000, 'the release command to start');

    await p.killServer();
    await p.startServer();

    const code = await cli.exited;
    expect(code, `stdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`).not.toBe(0);
    expect(cli.stdout()).toContain(' !     Build interrupted by a server restart.');
    // The reason is said once, in the output; the CLI's error line gives the outcome.
    expect(cli.stderr()).toContain('The release failed (the reason is above).');
    const [build] = await p.ok('GET', `/apps/${app}/builds`);
    expect(build.status).toBe('failed');
    const [release] = await p.ok('GET', `/apps/${app}/releases`);
    expect(release).toMatchObject({ version: 1, status: 'failed', status_reason: 'interrupted by a server restart', rollout: { state: 'failed' } });
    const output = await (await fetch(build.output_stream_url)).text();
    expect(output.trimEnd().split('\n').slice(-2)).toEqual([' !     Build interrupted by a server restart.', ' !     Release v1 failed; nothing was deployed, the app has no release running yet. Deploy again.']);

    await writeFile(join(dir, 'Procfile'), 'web: node web.js\nrelease: echo "crash-safety: release ran"\n');
    const second = await p.deployOk(app, dir, 'v2');
    expect(second.output).toContain('crash-safety: release ran');
    expect(second.output).toContain('-----> Released v2');
    // The fixture answers what the release command left in /app: a release phase's /app is its own, as on Heroku.
    await waitFor(async () => (await p.get(app, '/')).text === 'release output missing\n', 60_000, 'v2 to serve');
    expect((await p.dynos(app)).map((d) => [d.name, d.release.version])).toEqual([['web.1', 2]]);
  }, 300_000);

  it('a client that sends a malformed websocket frame to its attached one-off ends that one-off, not the server', async () => {
    const app = 'cs-attach';
    await p.createApp(app);
    await p.deployOk(app, fixture('release-phase'), 'v1');
    const { attach_websocket_url: url } = await p.ok('POST', `/apps/${app}/dynos`, { command: 'sleep 613', attach: true });
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    await waitFor(async () => (await processesMatching('sleep\0' + '613\0')).length === 1, 60_000, 'the one-off to run');
    // FIN + RSV1 on a text frame, with no extension agreed: the server's websocket rejects the frame.
    (ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.from([0xc1, 0x80, 1, 2, 3, 4]));
    await waitFor(async () => (await processesMatching('sleep\0' + '613\0')).length === 0, 30_000, 'the one-off to be stopped')
      .catch((e: Error) => { throw new Error(`${e.message}\nserver log:\n${p.output().slice(-3000)}`); });
    expect((await fetch(`${p.apiUrl}/health`)).status).toBe(200);
    expect(p.output()).not.toContain('uncaught-exception');
    ws.terminate();
  }, 120_000);
});
