import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BuildOutputs } from './build-output.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'berth-build-output-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function all(outputs: BuildOutputs, id: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const l of outputs.follow(id)) lines.push(l);
  return lines;
}

it('keeps a build whose output file cannot be opened alive: the fault is reported, readers get every line', async () => {
  // The file's place is taken by a directory: opening it fails (EISDIR), as a full or broken disk would.
  mkdirSync(join(dir, 'b1.log'));
  const faults: string[] = [];
  const outputs = new BuildOutputs(dir, { onFault: (id, e) => void faults.push(`${id}: ${(e as NodeJS.ErrnoException).code}`) });
  const out = outputs.open('b1');
  out.line('-----> Building');
  await new Promise((r) => setTimeout(r, 20));
  out.line('-----> Still building');
  await out.end();
  expect(out.fault()).toMatchObject({ code: 'EISDIR' });
  expect(faults).toEqual(['b1: EISDIR']);
  expect(await all(outputs, 'b1')).toEqual(['-----> Building', '-----> Still building']);
});

it('appends the final lines of a build a dead server left behind', async () => {
  writeFileSync(join(dir, 'b2.log'), '-----> Building\n');
  const outputs = new BuildOutputs(dir);
  await outputs.appendFinished('b2', [' !     Build interrupted by a server restart.']);
  expect(readFileSync(join(dir, 'b2.log'), 'utf8')).toBe('-----> Building\n !     Build interrupted by a server restart.\n');
  expect(await all(outputs, 'b2')).toEqual(['-----> Building', ' !     Build interrupted by a server restart.']);
});
