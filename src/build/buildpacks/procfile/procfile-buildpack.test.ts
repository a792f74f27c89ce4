import { fileURLToPath } from 'node:url';
import { buildpackContract } from '../../buildpack.contract.js';
import { ProcfileBuildpack } from './procfile-buildpack.js';

const fixture = fileURLToPath(new URL('../../../../test/fixtures/apps/procfile-worker', import.meta.url));

buildpackContract('procfile', {
  create: () => new ProcfileBuildpack(),
  detects: [fixture],
  ignores: [{ 'README.md': 'no Procfile' }, { 'procfile.txt': 'web: x' }],
  // The Procfile itself is read by the slug builder; this buildpack proposes nothing.
  compiles: [{ fixture, processTypes: {} }],
});
