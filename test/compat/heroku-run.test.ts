// `heroku run` with the stock CLI: it attaches over Heroku's TLS rendezvous (attach_url
// rendezvous://…), trusting Berth's certificate through NODE_EXTRA_CA_CERTS as the README says.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, buildDist, type CliResult } from '../support/cli-harness.js';
import { deployThroughApi, destroyApps, heroku, herokuCli, herokuEnv, herokuHome, startBerth, type BerthServer } from '../support/heroku-cli.js';
import { describeWith } from '../support/require-dependency.js';

const APP = 'compat-run';

let server: BerthServer;
let home: string;
let env: Record<string, string>;

const run = (args: string[], input?: string): Promise<CliResult> => heroku(args, env, home, input);

describeWith(herokuCli, 'heroku run against Berth', () => {
  beforeAll(async () => {
    buildDist();
    server = await startBerth();
    home = await herokuHome();
    env = { ...herokuEnv(home, server), NODE_EXTRA_CA_CERTS: join(server.home, 'tls', 'rendezvous.crt') };
    const created = await server.api('POST', '/apps', { name: APP });
    expect(created.status).toBe(201);
    await deployThroughApi(server, APP, join(ROOT, 'test', 'fixtures', 'apps', 'node-hello'));
  }, 120_000);

  afterAll(async () => {
    try {
      if (server) {
        await destroyApps(server, [APP]);
        await server.stop();
      }
    } finally {
      if (home) await rm(home, { recursive: true, force: true });
    }
  }, 60_000);

  it('attaches over the rendezvous: the command runs in a one-off dyno of the app, with its config', async () => {
    ok(await server.api('PATCH', `/apps/${APP}/config-vars`, { GREETING: 'hi from config' }));
    const r = await run(['run', '-a', APP, '--', 'node', '-e', 'console.log(process.env.DYNO, process.env.GREETING)']);
    expect(r, explain(r)).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/^run\.\d+ hi from config$/m);
    // The dyno it ran in is gone again (web may still be rolling over to the config release).
    const dynos = (await server.api('GET', `/apps/${APP}/dynos`)).body as { type: string }[];
    expect(dynos.map((d) => d.type)).not.toContain('run');
  });

  it('the README\'s line: heroku run -x -a demo -- \'node -e "console.log(process.env.DYNO)"\' prints the one-off dyno\'s name', async () => {
    // One argument, which the CLI sends as it is: split into words, the CLI would drop the quotes
    // around console.log(…) and the dyno's shell would see a syntax error (see the README).
    const r = await run(['run', '-x', '-a', APP, '--', 'node -e "console.log(process.env.DYNO)"']);
    expect(r, explain(r)).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/^run\.\d+\r?$/m);
  });

  it('carries stdin to the command and its output back, without a terminal (--no-tty)', async () => {
    const r = await run(['run', '--no-tty', '-a', APP, '--', 'sort'], 'pear\napple\nfig\n');
    expect(r, explain(r)).toMatchObject({ code: 0 });
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['apple', 'fig', 'pear']);
  });

  it('-x passes the command\'s exit code through; without it the CLI exits 0, as against Heroku', async () => {
    const failing = await run(['run', '-x', '-a', APP, '--', 'bash', '-c', 'echo about to fail; exit 7']);
    expect(failing.code, explain(failing)).toBe(7);
    expect(failing.stdout).toContain('about to fail');
    expect(failing.stderr).toContain('Process exited with code 7');
    const passing = await run(['run', '-x', '-a', APP, '--', 'true']);
    expect(passing, explain(passing)).toMatchObject({ code: 0 });
    const unchecked = await run(['run', '-a', APP, '--', 'bash', '-c', 'exit 3']);
    expect(unchecked, explain(unchecked)).toMatchObject({ code: 0 });
  });

  it('gives the command a terminal unless --no-tty, as Heroku does: an interactive shell reads typed lines', async () => {
    const r = await run(['run', '-x', '-a', APP, '--', 'bash'], 'tty\necho "answer $((6*7))"\nexit 3\n');
    expect(r.code, explain(r)).toBe(3);
    expect(r.stdout).toMatch(/^\/dev\/pts\/\d+$/m);
    expect(r.stdout).toMatch(/^answer 42$/m);
    const plain = await run(['run', '--no-tty', '-a', APP, '--', 'tty'], '');
    expect(plain.stdout).toContain('not a tty');
  });

  it('without Berth\'s certificate trusted, the CLI refuses the rendezvous', async () => {
    const { NODE_EXTRA_CA_CERTS: _trusted, ...untrusting } = env;
    const r = await heroku(['run', '-a', APP, '--', 'sleep', '30'], untrusting, home);
    expect(r.code, explain(r)).not.toBe(0);
    expect(r.stderr).toMatch(/self[- ]signed certificate/i);
  });
});

function ok(r: { status: number; body: unknown }) {
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r;
}

function explain(r: CliResult): string {
  return `heroku exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}
