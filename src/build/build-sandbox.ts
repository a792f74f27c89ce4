// The port a build runs through when the host can sandbox it: one program in namespaces of its
// own, under the build size's cgroup limits, as the app's build user with no new privileges, seeing
// only a minimal root plus the directories the build names. main/ wires the local runtime's
// implementation (runtime/local/local-build-sandbox.ts); the docker runtime uses a container instead.
import type { BuildUser } from './buildpack.js';

/** A host directory the sandbox shows at `to`; `ro` ones cannot be changed from inside. */
export interface SandboxMount {
  from: string;
  to: string;
  access: 'ro' | 'rw';
}

export interface SandboxRun {
  /** Names this run's sandbox (its cgroups and state); unique among running builds. */
  id: string;
  user: BuildUser;
  mounts: SandboxMount[];
  /** Run in /workspace; resolved through env.PATH inside the sandbox. */
  argv: string[];
  env: Record<string, string>;
  /** stdout and stderr, interleaved as they come. */
  onOutput(chunk: string): void;
  /** Aborting kills every process of the run. */
  signal?: AbortSignal;
}

export interface BuildSandbox {
  /** Resolves with the program's exit code once every process of the run is gone; rejects when cancelled. */
  run(job: SandboxRun): Promise<number>;
  /** At start: kills and removes what runs left when an earlier Berth died during a build. */
  removeLeftovers(): Promise<void>;
}
