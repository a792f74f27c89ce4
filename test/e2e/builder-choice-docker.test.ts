// Which builder builds an app on the docker runtime, said in the build's first line: buildpacks set
// on the app win over a Dockerfile, a Dockerfile builds otherwise, a Ruby app fails at once; and a
// Dockerfile build's output reads as plain whole lines, its error said once.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { fixture, type Platform, waitFor } from '../support/platform-harness.js';
import { describeWith } from '../support/require-dependency.js';
import { dockerEngine, useDockerPlatform } from '../support/docker-platform.js';

const buildpackFixture = (name: string) => join(fixture('.'), '..', 'buildpacks', name);
const buildLines = (output: string) => output.split('\n').filter((l) => !l.startsWith('-----> Build queued'));
const problems = (output: string) => output.split('\n').filter((l) => l.startsWith(' !'));

describeWith(dockerEngine, 'builder choice on the docker runtime', () => {
  const platform = useDockerPlatform('bcd-');
  let p: Platform;
  beforeAll(() => { p = platform.p; });

  it('builds the Dockerfile when no buildpacks are set, and the buildpacks once they are, saying which in the first line', async () => {
    await p.createApp('bcd-both');
    const first = await p.deployOk('bcd-both', fixture('dockerfile-and-node'), 'v1');
    expect(buildLines(first.output)[0]).toMatch(/^-----> Building with Dockerfile \(a Dockerfile at the root and no buildpacks set/);
    expect((await p.get('bcd-both', '/')).text).toContain('built by the Dockerfile');

    await p.ok('PUT', '/apps/bcd-both/buildpack-installations', { updates: [{ buildpack: 'heroku/nodejs' }] });
    const second = await p.deployOk('bcd-both', fixture('dockerfile-and-node'), 'v2');
    expect(buildLines(second.output)[0]).toBe('-----> Building with buildpack heroku/nodejs (set on the app)');
    expect(second.output).toContain('Node.js app detected');
    await waitFor(async () => (await p.get('bcd-both', '/')).text.includes('built by buildpacks'), 30_000, 'the buildpack build to serve');
  }, 300_000);

  it('fails a Ruby app at once, naming Ruby and the buildpack to set', async () => {
    await p.createApp('bcd-ruby');
    const { build, output } = await p.deploy('bcd-ruby', fixture('gemfile-app'), 'v1');
    expect(build.status).toBe('failed');
    expect(problems(output)).toEqual([expect.stringMatching(/^ ! +This looks like a Ruby app \(Gemfile\).*heroku-buildpack-ruby`, or add a Dockerfile\.$/)]);
  }, 60_000);

  it('runs the buildpacks of a .buildpacks file (directories on the server) in order, in the build container', async () => {
    await p.createApp('bcd-two');
    const dir = await p.copyFixture('two-buildpacks');
    await writeFile(join(dir, '.buildpacks'), `${buildpackFixture('tools-first')}\n${buildpackFixture('page-second')}\n`);
    const { output } = await p.deployOk('bcd-two', dir, 'v1');
    expect(buildLines(output)[0]).toMatch(/^-----> Building with buildpacks .*tools-first, .*page-second \(\.buildpacks\)$/);
    expect(output).toContain('first-tool says: made by tools-first');
    expect((await p.get('bcd-two', '/')).text).toContain('<p>tool: made by tools-first; exported: yes</p>');
  }, 240_000);

  it('shows a Dockerfile build as plain whole lines, and its error once', async () => {
    await p.createApp('bcd-noisy');
    const dir = await p.tempDir('berth-noisy-');
    await writeFile(join(dir, 'Dockerfile'), [
      'FROM berth/stack:24',
      // Colour, and a line written in two parts a moment apart; then stderr, which the engine paints red.
      `RUN printf '\\033[32mgreen\\033[0m text\\n'; printf 'half '; sleep 1; printf 'line\\n'`,
      'RUN echo "noisy: failing on purpose" >&2; exit 3',
    ].join('\n') + '\n');
    const { build, output } = await p.deploy('bcd-noisy', dir, 'v1');
    expect(build.status).toBe('failed');
    expect(output).not.toContain('\u001b');
    expect(output).toMatch(/^ +green text$/m);
    expect(output).toMatch(/^ +half line$/m);
    expect(output).toMatch(/^ +noisy: failing on purpose$/m);
    expect(output).toMatch(/^ +Step 2\/\d+ : RUN printf/m);
    expect(output).not.toMatch(/^ +$/m);
    expect(problems(output)).toEqual([expect.stringMatching(/^ ! +Docker build failed: The command .* returned a non-zero code: 3$/)]);
  }, 180_000);
});
