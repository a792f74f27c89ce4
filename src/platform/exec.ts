// Running programs: always an argv array, never a shell string. User data is data.
import { spawn, type SpawnOptions } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions extends Pick<SpawnOptions, 'cwd' | 'env' | 'uid' | 'gid'> {
  input?: string | Buffer;
  signal?: AbortSignal;
  /** Called with each chunk of combined output, for live streaming. */
  onOutput?: (chunk: string) => void;
}

/** Runs file with args and collects its output. Rejects only if it cannot be started. */
export function run(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, uid: opts.uid, gid: opts.gid, signal: opts.signal, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; opts.onOutput?.(c); });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; opts.onOutput?.(c); });
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr }));
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Like run, but rejects with the program's stderr when it exits non-zero. */
export async function runChecked(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<string> {
  const r = await run(file, args, opts);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}
