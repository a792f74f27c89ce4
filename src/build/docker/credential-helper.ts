// Docker credential helpers (`credsStore`, `credHelpers` in the Docker config): programs named
// `docker-credential-<name>` that `docker login` hands the secret to (a keychain, `pass`, a cloud
// registry's token service). Their protocol: `get` with the server address on stdin, JSON out.
import { run, type ExecResult } from '../../platform/exec.js';

/** Runs a program with an argv array and stdin (platform/exec's `run`). */
export type RunProgram = (file: string, args: readonly string[], opts: { input: string }) => Promise<ExecResult>;

export interface HelperCredentials {
  username: string;
  secret: string;
}

/** The helper's credentials for serverAddress, or undefined when it has none. */
export async function credentialsFromHelper(helper: string, serverAddress: string, runProgram: RunProgram = run): Promise<HelperCredentials | undefined> {
  // The name comes from the operator's config; it names a program on PATH, never a path.
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) throw new Error(`the credential helper name ${JSON.stringify(helper)} is not a plain program name`);
  const program = `docker-credential-${helper}`;
  let result: ExecResult;
  try {
    result = await runProgram(program, ['get'], { input: serverAddress });
  } catch (e) {
    throw new Error(`cannot run the credential helper ${program}: ${(e as Error).message}`);
  }
  const out = result.stdout.trim();
  if (result.code !== 0) {
    // docker/cli's own rule: this answer means "nothing stored", an anonymous pull.
    if (/credentials not found/i.test(out)) return undefined;
    throw new Error(`the credential helper ${program} failed: ${out || result.stderr.trim() || `exit code ${result.code}`}`);
  }
  let parsed: { Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(out) as typeof parsed;
  } catch {
    throw new Error(`the credential helper ${program} did not answer JSON`);
  }
  if (!parsed.Secret) return undefined;
  return { username: parsed.Username ?? '', secret: parsed.Secret };
}
