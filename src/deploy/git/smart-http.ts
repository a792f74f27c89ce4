// Git's smart HTTP protocol (v0), served by running `git upload-pack` / `git receive-pack` in
// stateless-rpc mode with argv only: the ref advertisement for GET info/refs, and one request
// body in, one response body out for each POST.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { gitEnv } from './repo-store.js';

export type GitService = 'git-upload-pack' | 'git-receive-pack';

export const isGitService = (s: unknown): s is GitService => s === 'git-upload-pack' || s === 'git-receive-pack';

export const advertisementType = (s: GitService): string => `application/x-${s}-advertisement`;
export const resultType = (s: GitService): string => `application/x-${s}-result`;
export const requestType = (s: GitService): string => `application/x-${s}-request`;

/** A pkt-line: four hex digits of length (including themselves), then the payload. */
export function pktLine(payload: string): string {
  return (Buffer.byteLength(payload) + 4).toString(16).padStart(4, '0') + payload;
}

const GZIP = ['gzip', 'x-gzip'];

/** git compresses some request bodies with gzip; nothing else is expected. */
export function acceptsEncoding(contentEncoding: string | undefined): boolean {
  const e = (contentEncoding ?? '').trim().toLowerCase();
  return e === '' || e === 'identity' || GZIP.includes(e);
}

export interface ServiceRun {
  /** The program's exit code (stderr is returned for logs). */
  done: Promise<{ code: number; stderr: string }>;
}

/** Writes the info/refs answer: the `# service=` banner, then the program's ref advertisement. */
export function advertiseRefs(service: GitService, repo: string, out: Writable): ServiceRun {
  out.write(pktLine(`# service=${service}\n`) + '0000');
  return runService(service, repo, ['--stateless-rpc', '--advertise-refs'], undefined, out, {});
}

/**
 * Runs one stateless-rpc exchange. `body` is the raw request (gunzipped here when git sent it
 * compressed); `env` reaches receive-pack's hooks (the hook channel).
 */
export function serviceRpc(service: GitService, repo: string, body: Readable, contentEncoding: string | undefined, out: Writable, env: Record<string, string> = {}): ServiceRun {
  if (!acceptsEncoding(contentEncoding)) throw new Error(`unsupported Content-Encoding ${JSON.stringify(contentEncoding)}`);
  const gzipped = GZIP.includes((contentEncoding ?? '').trim().toLowerCase());
  const input = gzipped ? body.pipe(createGunzip()) : body;
  return runService(service, repo, ['--stateless-rpc'], input, out, env);
}

function runService(service: GitService, repo: string, flags: string[], input: Readable | undefined, out: Writable, env: Record<string, string>): ServiceRun {
  // `git upload-pack` rather than the dashed name: git's libexec dir need not be on PATH.
  const child = spawn('git', [service.slice('git-'.length), ...flags, repo], { env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => { if (stderr.length < 64 * 1024) stderr += c; });
  child.stdout.pipe(out, { end: false });
  if (input) {
    // git may stop reading early (a refused pack); that is its answer, not a server error.
    pipeline(input, child.stdin).catch(() => child.stdin.destroy());
  } else {
    child.stdin.end();
  }
  const done = new Promise<{ code: number; stderr: string }>((resolve) => {
    child.once('error', (e) => resolve({ code: 127, stderr: e.message }));
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stderr }));
  });
  return { done };
}
