// deploy: pack a directory, upload it, build it on the platform, and wait until its release is live (as `git push heroku`).
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Build } from '../../client/api-types.js';
import type { BerthClient } from '../../client/berth-client.js';
import { ConnectionError } from '../../client/api-error.js';
import { StreamDroppedError } from '../../client/line-stream.js';
import { packSource } from '../../client/pack-source.js';
import { CliError, UsageError, defineCommand, type CommandContext } from '../command.js';
import { appLabel } from '../output.js';
import { stringFlag } from '../parse-input.js';
import { ProgressBar } from '../progress-bar.js';
import { sourceVersion } from '../source-version.js';
import { waitForBuildEnd, waitForRolloutEnd } from '../wait-for-rollout.js';

/** Build, release command and rollout together; Heroku's release phase alone may take an hour, most deploys take minutes. */
const DEFAULT_WAIT_SECONDS = 30 * 60;
/** Build output marks problems with this prefix (Heroku's convention). */
const PROBLEM = /^ !\s+/;

export const deploy = defineCommand({
  name: 'deploy',
  aliases: ['builds:create'],
  description: 'deploy a directory: upload its source, build it, release it and wait until the release is live',
  needsApp: true,
  args: [{ name: 'DIR', description: 'directory to deploy (default: the current one); .gitignore and .slugignore are honoured' }],
  flags: {
    'wait-timeout': { type: 'string', description: `seconds to wait for the build and the rollout to end (default ${DEFAULT_WAIT_SECONDS}); they go on after it`, valueName: 'SECONDS' },
    image: { type: 'string', description: 'release an image already on the Docker engine instead of a directory (docker runtime)', valueName: 'IMAGE' },
  },
  examples: ['berth deploy -a demo', 'berth deploy ./my-app -a demo --wait-timeout 180', 'berth deploy --image my-app:latest -a demo'],
  async run(ctx, input) {
    const waitFlag = stringFlag(input, 'wait-timeout');
    const waitSeconds = waitFlag === undefined ? DEFAULT_WAIT_SECONDS : Number(waitFlag);
    if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new UsageError(`--wait-timeout must be a number of seconds, got ${waitFlag}.`);
    const image = stringFlag(input, 'image');
    if (image !== undefined && input.args.DIR !== undefined) throw new UsageError('Give either a DIR or --image, not both.');
    const dir = resolve(ctx.cwd, input.args.DIR ?? '.');
    if (image === undefined && !(await stat(dir).then((s) => s.isDirectory(), () => false))) throw new CliError(`${dir} is not a directory.`);
    const app = await ctx.app(input);
    const client = ctx.client();
    // Asked first so a wrong app name or a missing login fails before anything is packed.
    const appInfo = await client.getApp(app);

    const build = image !== undefined
      ? await client.createImageBuild(app, image)
      : await client.createBuild(app, { url: await uploadDirectory(ctx, client, dir), version: await sourceVersion(dir, ctx.env) });
    // The deadline counts from the build's start: waiting for the upload is the user's own time.
    const deadline = Date.now() + waitSeconds * 1000;
    const output = await followOutput(ctx, client, build, deadline);
    const finished = await waitForBuildEnd(client, app, build.id, { deadline });
    if (!finished) throw stillGoing(`Build ${build.id} is still running after ${waitSeconds} s`, app, build);
    // The stream broke (the server restarted?): the finished output holds the end, e.g. why it failed.
    const problem = output.interrupted || (finished.status !== 'succeeded' && !output.problem)
      ? (await followOutput(ctx, client, build, deadline, output)).problem
      : output.problem;
    if (finished.status !== 'succeeded' || !finished.release) {
      // A failed build that made a release failed in its release phase. The reason was printed with
      // the output: said once there, not again here (as `git push` does).
      const what = finished.release ? 'The release failed' : 'The build failed';
      throw new CliError(`${problem ? `${what} (the reason is above).` : `${what}.`} Deploy of ${appLabel(app)} failed; see 'berth logs -a ${app}'.`);
    }
    const outcome = await waitForRolloutEnd(client, app, finished.release.id, { deadline });
    const v = `v${outcome.release.version}`;
    if (outcome.state === 'timeout') {
      throw stillGoing(`Release ${v} is still rolling out (${outcome.release.rollout?.state ?? outcome.release.status}) after ${waitSeconds} s`, app, build, outcome.release.version);
    }
    if (outcome.state === 'failed') throw new CliError(`Release ${v} failed: ${outcome.reason}. See 'berth logs -a ${app}'.`);
    if (outcome.state === 'superseded') throw new CliError(`Release ${v} was ${outcome.reason}; the code deployed is not what runs. See 'berth releases -a ${app}'.`);
    ctx.out.line(`${appInfo.web_url} deployed to Berth (release ${v})`);
  },
});

/** The deadline passed; the work goes on server-side, so say how to follow it rather than call it failed. */
function stillGoing(what: string, app: string, build: Build, version?: number): CliError {
  const follow = version !== undefined
    ? `follow it with 'berth releases:info v${version} -a ${app}' and 'berth logs -a ${app}'`
    : `follow it with 'berth logs --tail -a ${app}'${build.output_stream_url ? ` or 'curl ${build.output_stream_url}'` : ''}`;
  return new CliError(`${what}; it goes on without this command: ${follow}.`);
}

/** Packs and uploads `dir`, returning the source's get_url; the local tarball is always removed. */
async function uploadDirectory(ctx: CommandContext, client: BerthClient, dir: string): Promise<string> {
  const packed = await packSource(dir);
  try {
    if (packed.files === 0) throw new CliError(`${dir} has nothing to deploy (empty, or everything is ignored).`);
    const { source_blob: blob } = await client.createSource();
    const bar = new ProgressBar(ctx.out, 'Uploading source');
    await client.uploadSource(blob.put_url, packed.file, packed.bytes, (done, total) => bar.update(done, total));
    bar.finish(packed.bytes);
    // The put_url took its one upload; builds read the source through the get_url.
    return blob.get_url;
  } finally {
    await packed.remove();
  }
}

interface Followed {
  /** Lines printed so far: a second follow of the same output skips them. */
  printed: number;
  /** The first problem line of the output (Heroku marks them ` !`): why the build failed, if it did. */
  problem?: string;
  /** The stream ended before the build did (the connection or the server went away). */
  interrupted: boolean;
}

/** Prints the build output live (from line `from.printed` on) until it ends or the deadline passes. */
async function followOutput(ctx: CommandContext, client: BerthClient, build: Build, deadline: number, from?: Followed): Promise<Followed> {
  const followed: Followed = { printed: 0, interrupted: false, problem: from?.problem };
  if (!build.output_stream_url) return followed;
  const stop = AbortSignal.timeout(Math.max(0, deadline - Date.now()));
  let seen = 0;
  try {
    for await (const line of client.followLines(build.output_stream_url, stop)) {
      if (seen++ < (from?.printed ?? 0)) continue;
      ctx.out.line(line);
      if (PROBLEM.test(line)) followed.problem ??= line.replace(PROBLEM, '').trim();
    }
  } catch (e) {
    // The build goes on without us; its status (polled next) still decides the outcome.
    if (!(e instanceof StreamDroppedError) && !(e instanceof ConnectionError)) throw e;
    if (!from) ctx.out.warn('The build output stream was interrupted; waiting for the build to finish.');
    followed.interrupted = true;
  }
  followed.printed = Math.max(seen, from?.printed ?? 0);
  return followed;
}
