// What `berth run` and `run:detached` must do on any runtime, as one shared set of checks the
// local and docker end-to-end suites both run against a deployed node-hello.
import { expect } from 'vitest';
import { berth } from './cli-harness.js';
import { waitFor, type Platform } from './platform-harness.js';

/** `berth run`: stdin in, stdout and stderr out, the release's config, the command's exit code. */
export async function checkAttachedRun(p: Platform, app: string): Promise<void> {
  const env = { BERTH_API_KEY: p.token };
  const result = await berth(['run', '-a', app, '--', 'read line; echo "got $line with $GREETING on $DYNO"; echo oops >&2; exit 7'], {
    home: p.home, apiUrl: p.apiUrl, input: 'hello\n', env,
  });
  expect(result.stdout).toMatch(/^got hello with from config on run\.\d+\n$/);
  expect(result.stderr).toContain('oops');
  expect(result.code).toBe(7);

  const ok = await berth(['run', '-a', app, '-e', 'EXTRA=1', '--', 'test -f package.json && echo "extra=$EXTRA"'], { home: p.home, apiUrl: p.apiUrl, env });
  expect(ok).toMatchObject({ code: 0, stdout: 'extra=1\n' });

  // Several words stay words, as the README shows and the heroku CLI does: no shell syntax errors.
  const words = await berth(['run', '-a', app, '--', 'node', '-e', 'console.log(process.env.DYNO)'], { home: p.home, apiUrl: p.apiUrl, env });
  expect(words.stdout).toMatch(/^run\.\d+\n$/);
  expect((await berth(['run', '-a', app, '--', 'bash', '-c', 'exit 7'], { home: p.home, apiUrl: p.apiUrl, env })).code).toBe(7);
}

/** `berth run:detached`: returns at once, the output lands in the app's log stream. */
export async function checkDetachedRun(p: Platform, app: string): Promise<void> {
  const result = await berth(['run:detached', '-a', app, '--', 'echo "detached on $DYNO"'], { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
  expect(result.code).toBe(0);
  const dyno = /up, (run\.\d+)/.exec(result.stderr)?.[1];
  expect(dyno).toBeDefined();
  await waitFor(async () => (await p.logs(app)).includes(`app[${dyno}]: detached on ${dyno}`), 30_000, 'the detached output in the log');
  await waitFor(async () => (await p.logs(app)).includes(`app[${dyno}]: Process exited with status 0`), 30_000, 'the exit line in the log');
}
