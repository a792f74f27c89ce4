// What runs INSIDE a build container of the stack image (as the `dyno` user): the ordinary slug
// builder over /workspace/src, the app's cache on a volume at /cache, the slug copied to /app.
// The engine then commits the container, so the app image is the stack plus an /app layer.
// The last output line carries the result for the host, after a marker.
import { cp, readFile, rm } from 'node:fs/promises';
import { FAILURE_MARKER, RESULT_MARKER } from './build-result-marker.js';
import type { NodeReleaseFile } from './buildpack.js';
import { buildSlug } from './slug-builder.js';

interface Job {
  env: Record<string, string>;
  buildpacks: string[];
  /** Copied into /workspace by the host, which resolved and verified it. */
  nodeRelease?: NodeReleaseFile;
}

async function main(): Promise<void> {
  const job = JSON.parse(await readFile('/workspace/job.json', 'utf8')) as Job;
  await rm('/workspace/job.json');
  const built = await buildSlug({
    sourceDir: '/workspace/src', workDir: '/workspace', slugsDir: '/workspace/slugs', cacheDir: '/cache/app',
    env: job.env, buildpacks: job.buildpacks, nodeRelease: job.nodeRelease, log: (line) => process.stdout.write(`${line}\n`),
  });
  await cp(built.slugDir, '/app', { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  await rm('/workspace/slugs', { recursive: true, force: true });
  await rm('/workspace/src', { recursive: true, force: true });
  if (job.nodeRelease) await rm(job.nodeRelease.tarball, { force: true });
  const { processTypes, buildpackDescription, sizeBytes } = built;
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify({ processTypes, buildpackDescription, sizeBytes })}\n`);
}

main().catch((e: Error) => {
  // buildSlug's errors are worded for the tenant (anything else becomes `Build failed: …` there).
  process.stdout.write(`${FAILURE_MARKER}${e.message.replace(/\n/g, ' ')}\n`);
  process.exitCode = 1;
});
