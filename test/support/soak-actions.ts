// The user actions the soak interrupts — a deploy, config changes, scaling, a config change during a
// deploy's release command — done over the HTTP API as `berth` does them. Each one writes what the
// platform acknowledged (a 2xx answer) into a Ledger and names the phase it is in, so a trial knows
// what must have survived the crash and where the kill landed.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Platform } from './platform-harness.js';

const run = promisify(execFile);

export const ACTION_KINDS = ['deploy', 'config', 'scale', 'deploy-config'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** A deploy the client started: `buildId` once POST /builds answered 201 (the acknowledgement). */
export interface LedgerDeploy { version: string; buildId?: string }

/** What the platform acknowledged during one trial, in order. */
export interface Ledger {
  deploys: LedgerDeploy[];
  config: { key: string; value: string }[];
  /** The last web quantity a PATCH /formation answered 200 for. */
  webQuantity: number;
  /** A scale sent but not answered when the crash came: it may or may not have been applied. */
  webQuantityInFlight?: number;
}

/** Where an action is; read at the moment of the kill. `abort` makes the action stop at its next step. */
export class ActionProgress {
  phase = 'start';
  private readonly abort = new AbortController();
  private readonly entered = new Set<string>();
  private readonly waiters: { phase: string; resolve: () => void }[] = [];

  enter(phase: string): void {
    this.guard();
    this.phase = phase;
    this.entered.add(phase);
    for (const w of this.waiters.filter((x) => x.phase === phase)) w.resolve();
  }

  /** Resolves when the action first enters `phase` (the anchor a kill moment is measured from). */
  reached(phase: string): Promise<void> {
    if (this.entered.has(phase)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ phase, resolve }));
  }

  stop(): void {
    this.abort.abort();
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  guard(): void {
    if (this.stopped) throw new Error('stopped by the crash');
  }

  /** Polls `probe` until it is true; gives up (throws) when stopped or after timeoutMs. */
  async until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.guard();
      if (await probe().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
}

/** A copy of node-hello whose greeting names `version`, with a release command if given. */
export async function appSource(p: Platform, version: string, releaseCommand?: string): Promise<string> {
  const dir = await p.copyFixture('node-hello');
  const server = join(dir, 'server.js');
  await writeFile(server, (await readFile(server, 'utf8')).replace('Hello from node-hello', `Hello from node-hello build=${version}`));
  await writeFile(join(dir, 'Procfile'), `web: node server.js\n${releaseCommand ? `release: ${releaseCommand}\n` : ''}`);
  return dir;
}

/** The greeting check for a deployed version (its marker is in the code, not in config). */
export const servesVersion = (version: string) => (text: string) => text.includes(`build=${version}`);

/**
 * Heroku's source deploy (POST /sources, PUT, POST /builds, follow output_stream_url), then the
 * build's final status. Each output line goes to `onLine`; the phases follow the output.
 */
export async function deploySource(p: Platform, app: string, dir: string, entry: LedgerDeploy, progress: ActionProgress, onLine: (line: string) => void = () => undefined): Promise<string> {
  progress.enter('upload');
  const tarball = join(await p.tempDir('berth-soak-src-'), 'source.tar.gz');
  await run('tar', ['-czf', tarball, '-C', dir, '.']);
  const { source_blob: blob } = await p.ok('POST', '/sources');
  const put = await fetch(blob.put_url, { method: 'PUT', body: await readFile(tarball) });
  if (put.status !== 200) throw new Error(`PUT source → ${put.status}`);
  progress.guard();
  const created = await p.ok('POST', `/apps/${app}/builds`, { source_blob: { url: blob.get_url, version: entry.version } });
  entry.buildId = created.id as string;
  progress.enter('build');
  const res = await fetch(created.output_stream_url);
  let partial = '';
  for await (const chunk of res.body!) {
    const lines = (partial + Buffer.from(chunk).toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line.includes('Running release command')) progress.enter('release-command');
      if (/Released v\d+/.test(line) || line.includes('Launching')) progress.enter('launch');
      onLine(line);
    }
  }
  let status = 'pending';
  await progress.until(async () => {
    status = (await p.ok('GET', `/apps/${app}/builds/${entry.buildId}`)).status;
    return status !== 'pending';
  }, 30_000, `build ${entry.buildId}`);
  return status;
}

/** True once `count` requests in a row through the router answer 200 with a body that passes `test`. */
export async function servesSteadily(p: Platform, app: string, path: string, test: (text: string) => boolean, count: number): Promise<boolean> {
  for (let i = 0; i < count; i++) {
    const res = await p.get(app, path, 3000).catch(() => undefined);
    if (!res || res.status !== 200 || !test(res.text)) return false;
  }
  return true;
}

/** Runs the trial's action on `app` (already serving `baseVersion` on one web instance). */
export async function runAction(kind: ActionKind, p: Platform, app: string, ledger: Ledger, progress: ActionProgress, tag: string): Promise<void> {
  switch (kind) {
    case 'deploy': {
      const entry: LedgerDeploy = { version: `${tag}-new` };
      const dir = await appSource(p, entry.version);
      ledger.deploys.push(entry);
      if ((await deploySource(p, app, dir, entry, progress)) !== 'succeeded') return;
      await progress.until(() => servesSteadily(p, app, '/', servesVersion(entry.version), 2), 30_000, 'the new version to serve');
      progress.enter('after');
      return;
    }
    case 'config': {
      for (const key of ['SOAK_A', 'SOAK_B']) {
        progress.enter(`config-request`);
        const value = `${tag}-${key.toLowerCase()}`;
        await p.ok('PATCH', `/apps/${app}/config-vars`, { [key]: value });
        ledger.config.push({ key, value });
        progress.enter('config-launch');
        await progress.until(() => servesSteadily(p, app, `/env/${key}`, (t) => t === value, 2), 30_000, `${key} to reach the app`);
      }
      progress.enter('after');
      return;
    }
    case 'scale': {
      for (const [quantity, phase] of [[2, 'scale-up'], [1, 'scale-down']] as const) {
        progress.enter(`${phase}-request`);
        ledger.webQuantityInFlight = quantity;
        await p.scale(app, 'web', quantity);
        ledger.webQuantity = quantity;
        delete ledger.webQuantityInFlight;
        progress.enter(`${phase}-settling`);
        await progress.until(async () => {
          const web = (await p.dynos(app)).filter((d) => d.type === 'web');
          return web.length === quantity && web.every((d) => d.state === 'up');
        }, 30_000, `${quantity} web up`);
      }
      progress.enter('after');
      return;
    }
    case 'deploy-config': {
      // The config change lands while the release command runs: issue 11's first finding.
      const entry: LedgerDeploy = { version: `${tag}-rel` };
      const dir = await appSource(p, entry.version, 'sleep 2');
      ledger.deploys.push(entry);
      let configSet: Promise<void> = Promise.resolve();
      const status = await deploySource(p, app, dir, entry, progress, (line) => {
        if (!line.includes('Running release command')) return;
        const value = `${tag}-during-release`;
        configSet = p.ok('PATCH', `/apps/${app}/config-vars`, { SOAK_C: value }).then(() => { ledger.config.push({ key: 'SOAK_C', value }); }, () => undefined);
      });
      await configSet;
      if (status !== 'succeeded') return;
      await progress.until(() => servesSteadily(p, app, '/', servesVersion(entry.version), 2), 30_000, 'the new version to serve');
      progress.enter('after');
      return;
    }
  }
}
