// Self-healing: a killed instance is replaced, a crash loop backs off, a web process that never
// binds $PORT hits the boot timeout (R10). BERTH_BOOT_TIMEOUT is 4 s here.
import { describe, expect, it } from 'vitest';
import { descendants, fixture, isAlive, Platform, usePlatform, waitFor } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started), { BERTH_BOOT_TIMEOUT: '4' });

const count = (text: string, needle: string) => text.split(needle).length - 1;

/** The stored rollout of the app's current release, as the API shows it, once it has a verdict. */
const verdict = (app: string) => waitFor(async () => {
  const list = (await p.ok('GET', `/apps/${app}/releases`)) as { current: boolean; status: string; rollout: { state: string; reason: string | null } }[];
  const current = list.find((r) => r.current);
  return current && ['live', 'failed'].includes(current.rollout.state) && current;
}, 20_000, 'a rollout verdict');

describe('self-healing', () => {
  it.each(['init', 'app'] as const)('an instance whose %s process gets SIGKILL is replaced and the app answers again', async (which) => {
    const app = `heal-kill-${which}`;
    await p.createApp(app);
    await p.deployOk(app, fixture('node-hello'), 'v1');
    expect(await verdict(app)).toMatchObject({ status: 'succeeded', rollout: { state: 'live', reason: null } });
    const [before] = await p.waitForUp(app, 1);
    const pid = await p.instancePid(before!.id);
    const tree = await descendants(pid);
    expect(tree.some((t) => t.cmdline.includes('server.js')), JSON.stringify(tree)).toBe(true);

    // The init process is what the runtime records (the instance's process group leader); the app
    // process is what an OOM kill or a `kill -9` from inside the dyno would hit.
    const target = which === 'init' ? pid : tree.find((t) => t.cmdline.startsWith('node server.js'))!.pid;
    process.kill(target, 'SIGKILL');
    const [after] = await waitFor(async () => {
      const ds = await p.dynos(app);
      return ds.length === 1 && ds[0]!.id !== before!.id && ds[0]!.state === 'up' && ds;
    }, 20_000, 'a new web.1 to be up');
    expect(after!.name).toBe('web.1');
    const res = await p.get(app, '/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Hello from node-hello');
    expect(await p.logs(app)).toMatch(/berth\[web\.1\]: Process exited with status \d+/);
    expect(await p.logs(app)).toMatch(/berth\[web\.1\]: State changed from up to crashed/);
    // Nothing of the killed instance is left running (its app process included).
    await waitFor(() => tree.every((t) => !isAlive(t.pid)), 5000, 'the killed instance\'s processes to be gone');
  }, 60_000);

  it('a crash loop backs off, shows crashed, and the router answers H10', async () => {
    const app = 'heal-crash';
    await p.createApp(app);
    const { output } = await p.deploy(app, fixture('crash-at-start'), 'v1');
    expect(output).toMatch(/ !     Release v1 failed: web\.1 /);
    expect(await verdict(app)).toMatchObject({ status: 'succeeded', rollout: { state: 'failed', reason: 'web.1 crashed (exit code 1) before it came up' } });
    await waitFor(async () => (await p.dynos(app)).some((d) => d.name === 'web.1' && d.state === 'crashed'), 10_000, 'web.1 crashed');
    // It keeps being restarted after crashes (the delays themselves are the unit tests' business,
    // on a fake clock): a third start follows the second crash.
    const log = await waitFor(async () => {
      const text = await p.logs(app);
      return count(text, 'Process exited with status 1') >= 3 && text;
    }, 20_000, 'a third crash');
    expect(log).toContain('app[web.1]: crash-at-start: exiting on purpose');
    expect(log).toContain('berth[web.1]: State changed from starting to crashed');
    // Every start is followed by its exit: no slot ever runs two copies of the crashing process.
    expect(count(log, 'Starting process')).toBeLessThanOrEqual(count(log, 'Process exited with status 1') + 1);

    const res = await p.get(app, '/');
    expect(res.status).toBe(503);
    // The router is its own process: its line reaches the API's log stream a moment after the response.
    await waitFor(async () => /router: at=error code=H10 desc="App crashed" method=GET path="\/".* status=503/.test(await p.logs(app, { source: 'router' })), 5000, 'the H10 router line');
  }, 60_000);

  it('a web process that never binds $PORT gets R10 and is crashed', async () => {
    const app = 'heal-no-port';
    await p.createApp(app);
    const states = new Set<string>();
    const { output } = await p.deploy(app, fixture('no-port'), 'v1');
    expect(output).toMatch(/ !     Release v1 failed: web\.1 /);
    const log = await waitFor(async () => {
      for (const d of await p.dynos(app)) states.add(d.state);
      const text = await p.logs(app);
      // The slot shows crashed while it waits out its backoff after an R10 (the first restart is at once).
      return text.includes('Error R10 (Boot timeout)') && states.has('crashed') && text;
    }, 40_000, 'an R10 line in the log and the dyno shown crashed', 100);
    expect(log).toContain('Web process failed to bind to $PORT within 4 seconds of launch');
    expect(await verdict(app)).toMatchObject({ status: 'succeeded', rollout: { state: 'failed', reason: 'web.1 did not bind to $PORT within 4 s (R10)' } });
    expect(log).toContain('berth[api]: Release v1 failed: web.1 did not bind to $PORT within 4 s (R10)');
    expect(log).toMatch(/Error R10[^\n]*\n[^\n]*berth\[web\.1\]: State changed from starting to crashed/);
    expect(log).toContain('app[web.1]: no-port: running but never listening on PORT');
    expect(states).toContain('crashed');
    // The timeout is counted from the process's start: the process ran (and wrote output) before it.
    const order = ['berth[web.1]: Starting process', 'app[web.1]: no-port: running but never listening on PORT', 'berth[web.1]: Error R10'];
    const at = order.map((needle) => log.indexOf(needle));
    expect(at.every((i) => i >= 0), log).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  }, 60_000);
});
