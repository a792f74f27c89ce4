// A buildpack build inside a container of the build side of the stack (with a C toolchain, for
// native modules): the source and Berth's build code are copied in (no host paths are mounted),
// the app's cache is a named volume, the build runs as the non-root `dyno` user with no
// capabilities. Output streams live, line by line. The finished /app is then copied into a
// container of the run side, committed as the app image (run stack + /app), as Heroku runs a slug
// built on its build image on the smaller run image.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type Docker from 'dockerode';
import { BerthError } from '../../domain/errors.js';
import type { NodeReleaseFile } from '../buildpack.js';
import type { ProcessTypes } from '../../domain/types.js';
import { FAILURE_MARKER, RESULT_MARKER } from '../build-result-marker.js';
import { packFiles } from './pack-files.js';
import { BUILD_STACK_IMAGE, DYNO_UID, STACK_IMAGE } from './stack-image.js';
import { tarDirectory } from './tar-dir.js';

/** Berth's compiled code (dist/): the build code is copied from here into each build container. */
const DIST_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = 'build/container-build-entry.js';
const BUILD_CODE = ['build', 'domain', 'platform', 'logs'];

export interface ContainerBuildJob {
  appId: string;
  appName: string;
  sourceDir: string;
  env: Record<string, string>;
  buildpacks: string[];
  /** The Node.js release Berth fetched (a file on this host); copied into the container's workspace. */
  nodeRelease?: NodeReleaseFile;
  /** `repo:tag` of the image to commit. */
  tag: string;
  labels: Record<string, string>;
  log(line: string): void;
}

export const cacheVolumeName = (appId: string) => `berth-cache-${appId}`;

export async function buildInContainer(docker: Docker, job: ContainerBuildJob): Promise<{ processTypes: ProcessTypes; buildpackDescription: string; sizeBytes: number }> {
  if (!existsSync(path.join(DIST_ROOT, ENTRY))) {
    throw new Error(`${path.join(DIST_ROOT, ENTRY)} is missing: container builds need Berth's compiled code (npm run build)`);
  }
  const owner = { uid: DYNO_UID, gid: DYNO_UID };
  const container = await docker.createContainer({
    Image: BUILD_STACK_IMAGE,
    Cmd: ['node', `/opt/berth/${ENTRY}`],
    User: `${DYNO_UID}:${DYNO_UID}`,
    WorkingDir: '/workspace',
    Env: ['HOME=/workspace', 'LANG=C.UTF-8', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    Labels: job.labels,
    HostConfig: {
      Mounts: [{ Type: 'volume', Source: cacheVolumeName(job.appId), Target: '/cache' }],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: 2 * 1024 * 1024 * 1024,
      PidsLimit: 2048,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,mode=1777' },
    },
  });
  try {
    await container.putArchive(packFiles({ 'opt/berth/package.json': '{"type":"module"}\n' }), { path: '/' });
    await container.putArchive(tarDirectory(DIST_ROOT, { prefix: 'opt/berth', entries: BUILD_CODE }), { path: '/' });
    await container.putArchive(tarDirectory(job.sourceDir, { prefix: 'workspace/src', owner }), { path: '/' });
    let nodeRelease: NodeReleaseFile | undefined;
    if (job.nodeRelease) {
      const name = path.basename(job.nodeRelease.tarball);
      await container.putArchive(tarDirectory(path.dirname(job.nodeRelease.tarball), { prefix: 'workspace', entries: [name], owner }), { path: '/' });
      nodeRelease = { version: job.nodeRelease.version, tarball: `/workspace/${name}` };
    }
    const buildpacks = await copyOperatorBuildpacks(container, job.buildpacks);
    await container.putArchive(packFiles({ 'workspace/job.json': JSON.stringify({ env: job.env, buildpacks, nodeRelease }) }, owner), { path: '/' });
    const output = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    const result = followBuildOutput(output, job.log);
    const exited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    await container.start();
    const { StatusCode } = await exited;
    const { result: text, failure } = await result;
    // The entry point sent the reason after the failure marker (unless it died before it could).
    if (StatusCode !== 0 || !text) throw new BerthError('build_failed', failure ?? 'Build failed; see the build output above.');
    const parsed = JSON.parse(text) as { processTypes: ProcessTypes; buildpackDescription: string; sizeBytes: number };
    await commitOnRunStack(docker, container, job);
    return parsed;
  } finally {
    await container.remove({ force: true, v: false }).catch(() => undefined);
  }
}

/**
 * The app image: a never-started container of the run side holding the build's /app (owners and
 * modes as the build left them), committed. Its labels mark it as a build container of this scope
 * until then, so a killed server's leftover is removed like any build container.
 */
async function commitOnRunStack(docker: Docker, build: Docker.Container, job: ContainerBuildJob): Promise<void> {
  const run = await docker.createContainer({
    Image: STACK_IMAGE,
    Cmd: ['true'],
    User: `${DYNO_UID}:${DYNO_UID}`,
    WorkingDir: '/app',
    Labels: job.labels,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    const slug = (await build.getArchive({ path: '/app' })) as unknown as NodeJS.ReadableStream;
    // A broken read would otherwise leave the upload waiting for the rest of the archive.
    const readFailed = new Promise<never>((_, reject) => slug.on('error', reject));
    await Promise.race([run.putArchive(slug, { path: '/' }), readFailed]);
    const [repo, tag] = job.tag.split(':') as [string, string];
    // The image keeps the app's labels, but not the build container's role and scope: containers
    // made from it later (by anyone) must not look like this Berth's build containers.
    await run.commit({ repo, tag, comment: 'berth slug layer', pause: false, changes: 'LABEL berth.role=image berth.scope=""' });
  } finally {
    await run.remove({ force: true, v: false }).catch(() => undefined);
  }
}

/** Passes build lines on as they come and resolves with the result after the marker (if any). */
function followBuildOutput(stream: NodeJS.ReadableStream, log: (l: string) => void): Promise<{ result?: string; failure?: string }> {
  return new Promise((resolve) => {
    let buffered: Buffer = Buffer.alloc(0);
    let pending = '';
    let result: string | undefined;
    let failure: string | undefined;
    const line = (l: string) => {
      if (l.startsWith(RESULT_MARKER)) result = l.slice(RESULT_MARKER.length);
      else if (l.startsWith(FAILURE_MARKER)) failure = l.slice(FAILURE_MARKER.length);
      else log(l);
    };
    stream.on('data', (bytes: Buffer) => {
      buffered = Buffer.concat([buffered, bytes]);
      while (buffered.length >= 8) {
        const length = buffered.readUInt32BE(4);
        if (buffered.length < 8 + length) break;
        pending += buffered.subarray(8, 8 + length).toString('utf8');
        buffered = buffered.subarray(8 + length);
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const l of lines) line(l);
      }
    });
    const done = () => {
      if (pending) line(pending);
      pending = '';
      resolve({ result, failure });
    };
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

/**
 * An operator's buildpack directories (absolute paths on this host) are copied into the build
 * container at /buildpacks/<n>, as the local build sandbox mounts them there read-only; the build
 * then names them by those paths. URLs and built-in names pass through as they are.
 */
async function copyOperatorBuildpacks(container: Docker.Container, buildpacks: readonly string[]): Promise<string[]> {
  return Promise.all(buildpacks.map(async (name, i) => {
    if (!name.startsWith('/')) return name;
    const dir = path.normalize(name);
    if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
      throw new BerthError('build_failed', `Buildpack ${name} is not a directory on this server.`);
    }
    await container.putArchive(tarDirectory(dir, { prefix: `buildpacks/${i}` }), { path: '/' });
    return `/buildpacks/${i}`;
  }));
}
