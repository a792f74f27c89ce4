// Fetches a classic buildpack named by an app: a directory on this host or an https git URL. Both
// are fetched as the app's build user, so a buildpack name cannot make Berth read what the build
// could not. Only https: file:// would clone any repository on this host that the build user can
// read, and plain http:// is the usual way to reach unauthenticated services on loopback or the
// private network; neither is a place an app's buildpack should come from.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../domain/errors.js';
import type { BuildUser } from './buildpack.js';
import { BUILD_PATH, hostNetworkEnv, INDENT, runStep } from './build-step.js';

const GIT_REF_PATTERN = /^[A-Za-z0-9._/][A-Za-z0-9._/-]{0,199}$/;

export type BuildpackSource = { kind: 'dir'; path: string } | { kind: 'git'; url: string; ref?: string };

/** Validates a buildpack name: an absolute directory (the operator's), or an https git URL with an optional `#ref`. */
export function parseBuildpackSource(source: string): BuildpackSource {
  const refuse = (why: string): never => {
    throw new BerthError('invalid_params', `Invalid buildpack ${JSON.stringify(source)}: ${why}.`, 'buildpack');
  };
  if (source.startsWith('-') || /[\0\n\r]/.test(source)) refuse('it must be a URL or an absolute directory path');
  if (source.startsWith('/')) return { kind: 'dir', path: path.normalize(source) };
  let url: URL;
  try { url = new URL(source); } catch { return refuse('it must be a URL or an absolute directory path'); }
  if (url.protocol !== 'https:') refuse('buildpack URLs must use https:// (file:// and http:// are refused; name a directory on the server instead)');
  const ref = url.hash ? decodeURIComponent(url.hash.slice(1)) : undefined;
  if (ref !== undefined && (!GIT_REF_PATTERN.test(ref) || ref.includes('..'))) refuse(`"${ref}" is not a valid git ref`);
  url.hash = '';
  return ref ? { kind: 'git', url: url.toString(), ref } : { kind: 'git', url: url.toString() };
}

export interface FetchOptions {
  runAs?: BuildUser;
  /** A writable home for git's own files (the build's cache home). */
  home: string;
  log(line: string): void;
  signal?: AbortSignal;
}

/** Copies or clones the buildpack into dest (which must not exist yet). */
export async function fetchBuildpack(source: string, dest: string, opts: FetchOptions): Promise<void> {
  const parsed = parseBuildpackSource(source);
  const argv = parsed.kind === 'dir'
    ? ['cp', '-R', '--', parsed.path, dest]
    : ['git', 'clone', '--quiet', '--depth', '1', ...(parsed.ref ? ['--branch', parsed.ref] : []), '--', parsed.url, dest];
  opts.log(`-----> Fetching buildpack ${source}`);
  // Git reads only this config (not root's), which allows https alone, redirects included (git
  // limits curl's redirect protocols to the allowed ones).
  const gitConfig = `${dest}.gitconfig`;
  const config = '[protocol]\n\tallow = never\n[protocol "https"]\n\tallow = always\n';
  await writeFile(gitConfig, config, { flag: 'wx', mode: 0o644 });
  const output: string[] = [];
  const code = await runStep(argv[0]!, argv.slice(1), {
    cwd: path.dirname(dest),
    env: { ...hostNetworkEnv(), PATH: BUILD_PATH, HOME: opts.home, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_GLOBAL: gitConfig, LANG: 'C.UTF-8' },
    runAs: opts.runAs,
    signal: opts.signal,
    onLine: (l) => { output.push(l); opts.log(INDENT + l); },
  });
  if (code !== 0) {
    throw new BerthError('build_failed', `Could not fetch buildpack ${source}: ${output.join(' ').trim() || `exit ${code}`}`);
  }
}
