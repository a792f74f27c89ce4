// A folder nested in another repository is not that repository: no borrowed commit, no remote added to it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../platform/exec.js';
import { gitRemotes } from './git-remote.js';
import { sourceVersion } from './source-version.js';

const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
const NOW = new Date('2026-11-21T22:04:05Z');
let repo: string;
let nested: string;
let sha: string;

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'berth-git-top-'));
  nested = join(repo, 'fixtures', 'app');
  await mkdir(nested, { recursive: true });
  await writeFile(join(nested, 'index.js'), '');
  for (const args of [['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', 'one']]) {
    expect((await run('git', args, { cwd: repo, env })).code).toBe(0);
  }
  sha = (await run('git', ['rev-parse', 'HEAD'], { cwd: repo, env })).stdout.trim();
});

afterAll(() => rm(repo, { recursive: true, force: true }));

describe('the deployed version', () => {
  it("is the commit when the directory is the repository's top level", async () => {
    expect(await sourceVersion(repo, env, NOW)).toBe(sha);
  });

  it('is a timestamp for a folder inside another repository, not that repository\'s commit', async () => {
    expect(await sourceVersion(nested, env, NOW)).toBe('20261121220405');
  });
});

describe('the berth git remote', () => {
  it('is added implicitly (apps:create) at the top of a repository only', async () => {
    expect(await gitRemotes(repo, env).isTopLevel()).toBe(true);
    expect(await gitRemotes(nested, env).isTopLevel()).toBe(false);
    // git:remote, asked for explicitly, still works from a folder of the repository (as heroku's does).
    expect(await gitRemotes(nested, env).isRepo()).toBe(true);
  });
});
