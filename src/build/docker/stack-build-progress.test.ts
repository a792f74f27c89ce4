import { describe, expect, it } from 'vitest';
import { StackBuildProgress } from './stack-build-progress.js';

/** What apt and docker print while the stack builds, in their shapes, n packages long. */
function aptBuild(n: number): string[] {
  const lines = ['Step 1/6 : FROM berth/stack-base:bookworm', ' ---> 5b598ee43f92', 'Step 4/6 : RUN apt-get update  && apt-get install -y --no-install-recommends bash ca-certificates nodejs npm python3 python3-venv python3-pip git  && update-ca-certificates'];
  for (let i = 1; i <= n; i++) lines.push(`Get:${i} http://deb.debian.org/debian bookworm/main amd64 pkg${i} amd64 1.0 [10 kB]`);
  lines.push(`Fetched 61.2 MB in 9s (6,800 kB/s)`);
  for (let i = 1; i <= n; i++) lines.push(`Selecting previously unselected package pkg${i}.`, `Preparing to unpack .../pkg${i}.deb ...`, `Unpacking pkg${i} (1.0) ...`);
  for (let i = 1; i <= n; i++) lines.push(`Setting up pkg${i} (1.0) ...`);
  lines.push('Processing triggers for libc-bin (2.36-9) ...', ' ---> Running in abc', 'Successfully built 89280e16adef', 'Successfully tagged berth/stack:24');
  return lines;
}

describe('StackBuildProgress', () => {
  it('turns a 450-package install (about 2,300 lines) into a dozen progress lines', () => {
    const said: string[] = [];
    const progress = new StackBuildProgress((l) => said.push(l));
    const input = aptBuild(450);
    for (const l of input) progress.line(l);
    progress.end(false);
    expect(input.length).toBeGreaterThan(2000);
    expect(said).toEqual([
      'Step 1/6: FROM berth/stack-base:bookworm',
      expect.stringMatching(/^Step 4\/6: RUN apt-get update {2}&& apt-get install .*\.\.\.$/),
      'downloading packages...',
      'Fetched 61.2 MB in 9s (6,800 kB/s)',
      'unpacking packages...',
      'setting up packages...',
      'set up 100 packages', 'set up 200 packages', 'set up 300 packages', 'set up 400 packages',
      'set up 450 packages',
    ]);
  });

  it('passes apt errors through and, when the build fails, shows its last lines', () => {
    const said: string[] = [];
    const progress = new StackBuildProgress((l) => said.push(l));
    for (const l of ['Step 4/6 : RUN apt-get update', 'Err:1 http://deb.debian.org/debian bookworm InRelease', '  Temporary failure resolving \'deb.debian.org\'', 'E: Unable to locate package nodejs']) progress.line(l);
    progress.end(true);
    expect(said).toContain('E: Unable to locate package nodejs');
    expect(said).toContain('The last lines of the stack build were:');
    expect(said).toContain("    Temporary failure resolving 'deb.debian.org'");
  });
});
