// Which builder builds an app on the local runtime, said in the build's first line: buildpacks
// named in a .buildpacks file run in order, a Dockerfile is not used (and a Dockerfile-only app
// fails naming the docker runtime), a Ruby app fails at once; failures are said once.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, tempDir, type CliResult } from '../support/cli-harness.js';
import { buildDist, fixture, Platform } from '../support/platform-harness.js';

let platform: Platform;
let home: string;
const cli = (args: string[]): Promise<CliResult> => berth(args, { home, apiUrl: platform.apiUrl, env: { BERTH_API_KEY: platform.token } });
const buildpackFixture = (name: string) => join(fixture('.'), '..', 'buildpacks', name);
/** The build's own lines, after the pipeline's `Build queued` line. */
const buildLines = (output: string) => output.split('\n').filter((l) => !l.startsWith('-----> Build queued'));
const problems = (output: string) => output.split('\n').filter((l) => l.startsWith(' !'));

beforeAll(async () => {
  buildDist();
  platform = await Platform.start({ BERTH_BOOT_TIMEOUT: '20' });
  home = await tempDir('berth-e2e-builder-user-');
}, 60_000);

afterAll(async () => {
  await platform?.stop();
}, 60_000);

describe('builder choice on the local runtime', () => {
  it('runs the buildpacks of a .buildpacks file in order: the second uses what the first installed and exported', async () => {
    await platform.createApp('bc-two');
    const dir = await platform.copyFixture('two-buildpacks');
    await writeFile(join(dir, '.buildpacks'), `# tools, then the page\n${buildpackFixture('tools-first')}\n${buildpackFixture('page-second')}\n`);
    const { output } = await platform.deployOk('bc-two', dir, 'v1');
    expect(buildLines(output)[0]).toMatch(/^-----> Building with buildpacks .*tools-first, .*page-second \(\.buildpacks\)$/);
    expect(output).toContain('first-tool says: made by tools-first');
    expect((await platform.get('bc-two', '/')).text).toContain('<p>tool: made by tools-first; exported: yes</p>');
  }, 90_000);

  it('builds an app with a Dockerfile and a package.json with the Node.js buildpack, saying the Dockerfile is not used', async () => {
    await platform.createApp('bc-both');
    const { output } = await platform.deployOk('bc-both', fixture('dockerfile-and-node'), 'v1');
    expect(buildLines(output)[0]).toMatch(/^-----> Building with buildpacks detected \(none set on the app; the Dockerfile is not used: the local runtime builds with buildpacks only/);
    expect((await platform.get('bc-both', '/')).text).toContain('built by buildpacks');
  }, 90_000);

  it('fails a Dockerfile-only app at once, naming the docker runtime', async () => {
    await platform.createApp('bc-docker-only');
    const { build, output } = await platform.deploy('bc-docker-only', fixture('dockerfile-hello'), 'v1');
    expect(build.status).toBe('failed');
    expect(problems(output)).toEqual([expect.stringMatching(/^ ! +This app has a Dockerfile and nothing the built-in buildpacks build.*BERTH_RUNTIME=docker/)]);
  }, 60_000);

  it('fails a Ruby app (Gemfile and Procfile) at once naming Ruby and the buildpack to set, once, in berth deploy too', async () => {
    await platform.createApp('bc-ruby');
    const r = await cli(['deploy', fixture('gemfile-app'), '-a', 'bc-ruby']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('Procfile app detected');
    const said = problems(r.stdout);
    expect(said).toEqual([expect.stringMatching(/^ ! +This looks like a Ruby app \(Gemfile\).*berth buildpacks:set https:\/\/github\.com\/heroku\/heroku-buildpack-ruby/)]);
    // The error line says the outcome, not the reason a second time.
    const errors = r.stderr.split('\n').filter((l) => l.startsWith(' ▸'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('The build failed (the reason is above). Deploy of');
    expect(errors[0]).not.toContain('Ruby');
  }, 60_000);

  it('after a failing release command on a first deploy, says the release failed (not the build) and never that a previous release serves', async () => {
    await platform.createApp('bc-release');
    const r = await cli(['deploy', fixture('release-fails'), '-a', 'bc-release']);
    expect(r.code).not.toBe(0);
    expect(problems(r.stdout)).toEqual([expect.stringMatching(/^ ! +Release command failed with exit code 1; release v\d+ was not deployed\.$/)]);
    expect(r.stderr).toContain('The release failed (the reason is above). Deploy of');
    const logs = await cli(['logs', '-a', 'bc-release', '-n', '200']);
    expect(logs.stdout).toMatch(/Deploy failed: Release command failed/);
    expect(logs.stdout).not.toMatch(/Build failed/);
    expect(`${r.stdout}${r.stderr}${logs.stdout}`).not.toContain('previous release keeps serving');
  }, 60_000);
});
