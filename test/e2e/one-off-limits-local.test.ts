// One-off dynos on the local runtime, as a hostile tenant would use them: they are listed, capped
// in number and size, stopped by ps:stop, by their maximum lifetime and by app destroy, and leave
// no process or state behind.
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MAX_RUNNING_ONE_OFFS_PER_APP } from '../../src/domain/one-off-limits.js';
import { berth } from '../support/cli-harness.js';
import { fixture, processesMatching, usePlatform, waitFor, type Platform } from '../support/platform-harness.js';

let p: Platform;
// Short enough for the lifetime test to see it end, long enough that the other tests' one-offs
// are stopped by what each test does, not by the lifetime.
usePlatform((platform) => (p = platform), { BERTH_ONE_OFF_MAX_LIFETIME: '30' });

const APP = 'one-off-limits';
const cli = (args: string[]) => berth(args, { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
/** Processes running `sleep <seconds>`: each test uses its own number to find its one-offs. */
const sleeping = (seconds: number) => processesMatching(`sleep\0${seconds}\0`);
const runDetached = async (command: string, size?: string) =>
  (await p.ok('POST', `/apps/${APP}/dynos`, { command, attach: false, size })).name as string;
const oneOffNames = async () => ((await p.ok('GET', `/apps/${APP}/dynos`)) as { type: string; name: string }[])
  .filter((d) => d.type === 'run').map((d) => d.name).sort();

describe('one-off dyno limits on the local runtime', () => {
  it('deploys the app', async () => {
    await p.createApp(APP);
    await p.deployOk(APP, fixture('node-hello'), 'v1');
  }, 120_000);

  it('lists one-offs in /dynos and berth ps, and refuses more than the cap with a clear error', async () => {
    const names: string[] = [];
    for (let n = 0; n < MAX_RUNNING_ONE_OFFS_PER_APP; n++) names.push(await runDetached('sleep 601'));
    const refused = await p.api('POST', `/apps/${APP}/dynos`, { command: 'sleep 601', attach: false });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ id: 'too_many_one_offs', message: expect.stringContaining(`at most ${MAX_RUNNING_ONE_OFFS_PER_APP} one-off dynos`) });
    const viaCli = await cli(['run:detached', '-a', APP, '--', 'sleep 601']);
    expect(viaCli.code).toBe(1);
    expect(viaCli.stderr).toContain(`at most ${MAX_RUNNING_ONE_OFFS_PER_APP} one-off dynos`);

    expect(await oneOffNames()).toEqual([...names].sort());
    const dyno = ((await p.ok('GET', `/apps/${APP}/dynos/${names[0]}`)) as Record<string, unknown>);
    expect(dyno).toMatchObject({ name: names[0], type: 'run', size: 'standard-1x', command: 'sleep 601' });
    await waitFor(async () => (await sleeping(601)).length === MAX_RUNNING_ONE_OFFS_PER_APP, 60_000, 'every one-off to run');
    const ps = await cli(['ps', '-a', APP]);
    expect(ps.stdout).toContain(`run: one-off processes (${MAX_RUNNING_ONE_OFFS_PER_APP})`);
    expect(ps.stdout).toContain(`${names[0]} (Standard-1X): up`);

    // ps:stop run stops them all for good: processes gone, places free again.
    expect((await cli(['ps:stop', 'run', '-a', APP])).code).toBe(0);
    await waitFor(async () => (await sleeping(601)).length === 0, 30_000, 'the one-offs to be stopped');
    await waitFor(async () => (await oneOffNames()).length === 0, 30_000, 'the one-offs to leave /dynos');
  }, 180_000);

  it('refuses a one-off larger than the app’s formation uses', async () => {
    const refused = await p.api('POST', `/apps/${APP}/dynos`, { command: 'sleep 602', attach: false, size: 'performance-l' });
    expect(refused.status).toBe(422);
    expect(refused.body.message).toContain('at most standard-1x');
    expect(await sleeping(602)).toEqual([]);
  });

  it('ps:stop run.N stops that one-off and no other', async () => {
    const keep = await runDetached('sleep 603');
    const stop = await runDetached('sleep 603');
    await waitFor(async () => (await sleeping(603)).length === 2, 60_000, 'both one-offs to run');
    expect((await p.api('POST', `/apps/${APP}/dynos/${stop}/actions/stop`)).status).toBe(202);
    await waitFor(async () => (await sleeping(603)).length === 1, 30_000, 'the stopped one-off to end');
    await waitFor(async () => (await oneOffNames()).join() === keep, 30_000, 'only the other one-off in /dynos');
    await waitFor(async () => (await p.logs(APP)).includes(`app[${stop}]: Process exited with status 143`), 30_000, 'its exit in the log');
    expect((await p.api('DELETE', `/apps/${APP}/dynos/${keep}`)).status).toBe(202);
    await waitFor(async () => (await sleeping(603)).length === 0, 30_000, 'the other one-off to end');
  }, 120_000);

  it('an attached one-off stops when its client disconnects', async () => {
    const { name, attach_websocket_url: url } = await p.ok('POST', `/apps/${APP}/dynos`, { command: 'sleep 607', attach: true });
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    await waitFor(async () => (await sleeping(607)).length === 1, 60_000, 'the one-off to run');
    expect(await oneOffNames()).toEqual([name]);
    ws.terminate();
    await waitFor(async () => (await sleeping(607)).length === 0, 30_000, 'the one-off to be stopped');
    await waitFor(async () => (await oneOffNames()).length === 0, 30_000, 'the one-off to leave /dynos');
  }, 120_000);

  it('stops a one-off at the maximum lifetime and says so in the app log', async () => {
    const name = await runDetached('sleep 604');
    await waitFor(async () => (await sleeping(604)).length === 1, 60_000, 'the one-off to run');
    await waitFor(async () => (await sleeping(604)).length === 0, 120_000, 'the lifetime to stop it');
    await waitFor(async () => (await oneOffNames()).length === 0, 30_000, 'the one-off to leave /dynos');
    expect(await p.logs(APP)).toContain(`Stopping ${name}: one-off dynos may run for at most 30s`);
  }, 180_000);

  it('a restarted server stops the one-offs the previous one left running', async () => {
    await runDetached('sleep 606');
    await waitFor(async () => (await sleeping(606)).length === 1, 60_000, 'the one-off to run');
    await p.stopServer();
    await p.startServer();
    await waitFor(async () => (await sleeping(606)).length === 0, 30_000, 'the left-over one-off to be stopped');
    expect(await oneOffNames()).toEqual([]);
  }, 120_000);

  it('destroying the app stops its one-offs and leaves none of their state', async () => {
    await runDetached('sleep 605');
    await runDetached('sleep 605');
    await waitFor(async () => (await sleeping(605)).length === 2, 60_000, 'the one-offs to run');
    await p.ok('DELETE', `/apps/${APP}`);
    await waitFor(async () => (await sleeping(605)).length === 0, 30_000, 'the one-offs to be stopped');
    await waitFor(async () => (await p.instanceIds()).length === 0, 30_000, 'every instance’s state to be removed');
    expect(await p.leftovers()).toEqual([]);
    expect((await p.api('GET', `/apps/${APP}/dynos`)).status).toBe(404);
  }, 120_000);
});
