// The Heroku-named commands of the `berth` CLI (maintenance, ps:type, ps:stop flags, buildpacks,
// stack, features, --version) against a real `berth server`: what a user types, sees, and what the API then holds.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, berth, buildDist, startServer, tempDir, type CliResult, type RunningServer } from '../support/cli-harness.js';

let server: RunningServer;
let home: string;
const APP = 'cli-names';

const admin = (args: string[]) => berth(args, { home, apiUrl: server.url });

const ok = (r: CliResult): CliResult => {
  expect(r, `berth exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toMatchObject({ code: 0 });
  return r;
};


beforeAll(async () => {
  buildDist();
  server = await startServer();
  home = await tempDir('berth-e2e-names-');
  ok(await admin(['login', '--email', server.adminEmail, '--password', server.adminPassword]));
  ok(await admin(['apps:create', APP]));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

// Each berth command is a Node start on a busy machine; some tests run a dozen.
describe('berth CLI: heroku command names', { timeout: 120_000 }, () => {
  it('--version prints heroku\'s format with package.json\'s version', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = ok(await admin(['--version']));
    expect(r.stdout.trim()).toBe(`berth/${version} ${process.platform}-${process.arch} node-${process.version}`);
  });

  it('maintenance, maintenance:on, maintenance:off', async () => {
    expect(ok(await admin(['maintenance', '-a', APP])).stdout).toBe('off\n');
    expect(ok(await admin(['maintenance:on', '-a', APP])).stderr).toContain(`Enabling maintenance mode for ⬢ ${APP}... done`);
    expect(ok(await admin(['maintenance', '-a', APP])).stdout).toBe('on\n');
    expect(JSON.parse(ok(await admin(['apps:info', '--json', '-a', APP])).stdout).maintenance).toBe(true);
    expect(ok(await admin(['maintenance:off', '-a', APP])).stderr).toContain(`Disabling maintenance mode for ⬢ ${APP}... done`);
    expect(ok(await admin(['maintenance', '-a', APP])).stdout).toBe('off\n');
  });

  it('stack shows the one stack marked; stack:set accepts it and refuses any other', async () => {
    const shown = ok(await admin(['stack', '-a', APP]));
    expect(shown.stdout).toBe(`=== ⬢ ${APP} Available Stacks\n* berth-24\n`);
    expect(ok(await admin(['stack:set', 'berth-24', '-a', APP])).stderr).toContain('Setting stack to berth-24... done');
    const refused = await admin(['stack:set', 'heroku-24', '-a', APP]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Unknown stack "heroku-24". Available: berth-24.');
  });

  it('features lists the app\'s features, each off until enabled', async () => {
    const listed = ok(await admin(['features', '-a', APP])).stdout.split('\n');
    expect(listed[0]).toBe(`=== App Features ⬢ ${APP}`);
    expect(listed.slice(1).filter((l) => l !== '').map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(['[ ] hsts', '[ ] http-redirect']);
    expect((JSON.parse(ok(await admin(['features', '--json', '-a', APP])).stdout) as Array<{ name: string; enabled: boolean }>).map((f) => f.enabled)).toEqual([false, false]);
  });

  it('buildpacks:set, :add (with --index), :remove, :clear edit the list the next build uses', async () => {
    expect(ok(await admin(['buildpacks', '-a', APP])).stdout).toBe(`⬢ ${APP} has no Buildpacks.\n`);
    expect(ok(await admin(['buildpacks:set', 'heroku/python', '-a', APP])).stdout).toContain(`Buildpack set. Next release on ⬢ ${APP} will use heroku/python.`);
    ok(await admin(['buildpacks:add', '--index', '1', 'heroku/nodejs', '-a', APP]));
    const url = 'https://github.com/example/buildpack-extra';
    ok(await admin(['buildpacks:add', url, '-a', APP]));
    expect(ok(await admin(['buildpacks', '-a', APP])).stdout).toBe(`=== ⬢ ${APP} Buildpacks\n1. heroku/nodejs\n2. heroku/python\n3. ${url}\n`);
    const dup = await admin(['buildpacks:add', 'heroku/nodejs', '-a', APP]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('The buildpack heroku/nodejs is already set on your app.');
    ok(await admin(['buildpacks:remove', 'heroku/python', '-a', APP]));
    ok(await admin(['buildpacks:set', '-i', '2', 'heroku/python', '-a', APP]));
    ok(await admin(['buildpacks:remove', '-i', '1', '-a', APP]));
    expect(JSON.parse(ok(await admin(['buildpacks', '--json', '-a', APP])).stdout)).toMatchObject([{ ordinal: 0, buildpack: { url: 'heroku/python' } }]);
    expect(ok(await admin(['buildpacks:clear', '-a', APP])).stdout).toContain('will detect buildpacks normally');
    expect(JSON.parse(ok(await admin(['buildpacks', '--json', '-a', APP])).stdout)).toEqual([]);
  });

  it('ps:type sets one type\'s size or every type\'s, and shows them; ps:resize is the same command', async () => {
    ok(await admin(['ps:scale', 'web=0', 'worker=0', '-a', APP]));
    const all = ok(await admin(['ps:type', 'standard-2x', '-a', APP]));
    expect(all.stderr).toContain(`Scaling dynos on ⬢ ${APP}... done`);
    expect(all.stdout).toMatch(/^\s*web\s+Standard-2X\s+0\s*$/m);
    expect(all.stdout).toMatch(/^\s*worker\s+Standard-2X\s+0\s*$/m);
    ok(await admin(['ps:resize', 'worker=basic', '-a', APP]));
    const shown = ok(await admin(['ps:type', '-a', APP])).stdout;
    expect(shown).toMatch(/^\s*web\s+Standard-2X\s+0\s*$/m);
    expect(shown).toMatch(/^\s*worker\s+Basic\s+0\s*$/m);
    const bad = await admin(['ps:type', 'clock=basic', '-a', APP]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Type clock not found in process formation. Types: web, worker.');
  });

  it('ps:stop takes heroku\'s --dyno-name and --process-type as well as a positional', async () => {
    const none = await admin(['ps:stop', '-a', APP]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Name one dyno');
    const r = ok(await admin(['ps:stop', '--process-type', 'run', '-a', APP]));
    expect(r.stderr).toContain(`Stopping run dynos on ⬢ ${APP}... done`);
  });
});
