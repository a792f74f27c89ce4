// Berth's stack image (`berth/stack:24`): Debian bookworm with Node.js, Python 3 and bash, plus
// the `dyno` user (uid 1000) apps and builds run as. Built on first need, kept afterwards.
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
const STACK_REVISION = '2';
/** CA certificates the operator added on the host (a TLS-inspecting proxy, a private registry). */
const HOST_CA_DIR = '/usr/local/share/ca-certificates';

const STACK_DOCKERFILE = (base: string) => `FROM ${base}
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY ca/ /usr/local/share/ca-certificates/
RUN apt-get update \\
 && apt-get install -y --no-install-recommends bash ca-certificates nodejs npm python3 python3-venv python3-pip git \\
 && update-ca-certificates \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \\
 && useradd --uid ${DYNO_UID} --user-group --home-dir /app --no-create-home --shell /bin/bash dyno \\
 && mkdir -p /app /workspace /cache && chown dyno:dyno /app /workspace /cache
WORKDIR /app
LABEL berth.stack="24" berth.stack-revision="${STACK_REVISION}"
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

/** Makes sure the stack image exists, building it (with progress lines) when it does not. */
export async function ensureStackImage(docker: Docker, opts: StackBuildOptions): Promise<void> {
  if (!opts.force && (await stackRevision(docker)) === STACK_REVISION) return;
  opts.log(`-----> Building the stack image ${STACK_IMAGE} (once; later builds reuse it)`);
  const started = Date.now();
  const base = await baseImage(docker, opts);
  opts.log(`-----> Installing Node.js, Python 3 and build tools on ${base}`);
  const context = packFiles({ Dockerfile: STACK_DOCKERFILE(base), 'ca/.keep': '', ...(await hostCaCertificates()) });
  const stream = await docker.buildImage(context, { t: STACK_IMAGE, rm: true, forcerm: true });
  const progress = new StackBuildProgress((l) => opts.log(`       ${l}`));
  try {
    await followProgress(stream, (l) => progress.line(l));
  } catch (e) {
    progress.end(true);
    throw e;
  }
  progress.end(false);
  opts.log(`-----> Stack image ${STACK_IMAGE} ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function stackRevision(docker: Docker): Promise<string | undefined> {
  try {
    return (await docker.getImage(STACK_IMAGE).inspect()).Config.Labels?.['berth.stack-revision'] ?? '';
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
