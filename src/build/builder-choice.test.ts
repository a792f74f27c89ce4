import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builderLine, chooseBuilder } from './builder-choice.js';

let dirs: string[] = [];
afterEach(async () => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); dirs = []; });

async function source(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-choice-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const DOCKERFILE = 'FROM berth/stack:24\n';
const choose = async (files: Record<string, string>, o: { app?: string[]; docker?: boolean } = {}) =>
  chooseBuilder({ sourceDir: await source(files), appBuildpacks: o.app ?? [], dockerfileBuilds: o.docker ?? true });

describe('chooseBuilder', () => {
  it('builds with the buildpacks set on the app even when there is a Dockerfile, and says so', async () => {
    const choice = await choose({ Dockerfile: DOCKERFILE, 'package.json': '{}' }, { app: ['heroku/nodejs'] });
    expect(choice).toEqual({ builder: 'buildpacks', buildpacks: ['heroku/nodejs'], reason: expect.stringContaining('set on the app') });
    expect(builderLine(choice)).toBe('-----> Building with buildpack heroku/nodejs (set on the app)');
  });

  it('takes app.json "buildpacks" over a .buildpacks file and a Dockerfile', async () => {
    const choice = await choose({
      Dockerfile: DOCKERFILE, '.buildpacks': 'https://example.com/other.git\n',
      'app.json': JSON.stringify({ name: 'x', buildpacks: [{ url: 'heroku/python' }, { url: 'https://example.com/bp.git' }] }),
    });
    expect(choice).toMatchObject({ builder: 'buildpacks', buildpacks: ['heroku/python', 'https://example.com/bp.git'] });
    expect(builderLine(choice)).toContain('app.json "buildpacks"');
  });

  it('reads .buildpacks in order, skipping comments and blank lines', async () => {
    const choice = await choose({ Dockerfile: DOCKERFILE, '.buildpacks': '# first the assets\n/srv/bp/one\n\n  /srv/bp/two  \n' });
    expect(choice).toMatchObject({ builder: 'buildpacks', buildpacks: ['/srv/bp/one', '/srv/bp/two'] });
    expect(builderLine(choice)).toBe('-----> Building with buildpacks /srv/bp/one, /srv/bp/two (.buildpacks)');
  });

  it('fails on an app.json that is not JSON, naming the file', async () => {
    await expect(choose({ 'app.json': '{ "buildpacks": [' })).rejects.toThrow(/^app\.json is not valid JSON/);
    await expect(choose({ 'app.json': '{ "buildpacks": "heroku/nodejs" }' })).rejects.toThrow(/buildpacks must be a list/);
  });

  it('builds a Dockerfile where the runtime can, when no buildpacks are named', async () => {
    const choice = await choose({ Dockerfile: DOCKERFILE, 'package.json': '{}' });
    expect(choice.builder).toBe('dockerfile');
    expect(builderLine(choice)).toMatch(/^-----> Building with Dockerfile \(/);
  });

  it('on the local runtime, fails a Dockerfile-only app naming the docker runtime', async () => {
    await expect(choose({ Dockerfile: DOCKERFILE, 'server.sh': 'echo\n' }, { docker: false })).rejects.toThrow(/docker runtime \(BERTH_RUNTIME=docker\)/);
  });

  it('on the local runtime, builds an app with a Dockerfile and a package.json with buildpacks, saying the Dockerfile is not used', async () => {
    const choice = await choose({ Dockerfile: DOCKERFILE, 'package.json': '{}' }, { docker: false });
    expect(choice).toEqual({ builder: 'buildpacks', buildpacks: [], reason: expect.stringContaining('the Dockerfile is not used') });
  });

  it.each([
    ['Gemfile', 'Ruby', 'heroku-buildpack-ruby'],
    ['go.mod', 'Go', 'heroku-buildpack-go'],
    ['pom.xml', 'Java', 'heroku-buildpack-java'],
    ['build.gradle', 'Java (Gradle)', 'heroku-buildpack-gradle'],
    ['composer.json', 'PHP', 'heroku-buildpack-php'],
  ])('fails an app with %s (and a Procfile) at once, naming %s and a buildpack to set', async (marker, language, url) => {
    const attempt = choose({ [marker]: 'x\n', Procfile: 'web: run-it\n' }, { docker: false });
    await expect(attempt).rejects.toThrow(`This looks like a ${language} app (${marker})`);
    await expect(choose({ [marker]: 'x\n' })).rejects.toThrow(`berth buildpacks:set https://github.com/heroku/${url}`);
  });

  it('builds a Gemfile app when a buildpack is set, or with its Dockerfile', async () => {
    expect((await choose({ Gemfile: 'x\n' }, { app: ['https://github.com/heroku/heroku-buildpack-ruby'] })).builder).toBe('buildpacks');
    expect((await choose({ Gemfile: 'x\n', Dockerfile: DOCKERFILE })).builder).toBe('dockerfile');
  });

  it('leaves a Node.js app with a stray Gemfile to the Node.js buildpack', async () => {
    expect(await choose({ Gemfile: 'x\n', 'package.json': '{}' })).toMatchObject({ builder: 'buildpacks', buildpacks: [] });
  });
});
