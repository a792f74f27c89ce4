// deploy: pack a directory, upload it, build it on the platform, and wait until web is up (as `git push heroku`).
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Build } from '../../client/api-types.js';
import type { BerthClient } from '../../client/berth-client.js';
import { StreamDroppedError } from '../../client/line-stream.js';
import { packSource } from '../../client/pack-source.js';
import { CliError, UsageError, defineCommand, type CommandContext } from '../command.js';
import { appLabel } from '../output.js';
import { stringFlag } from '../parse-input.js';
import { ProgressBar } from '../progress-bar.js';
import { sourceVersion } from '../source-version.js';
import { waitForWeb } from '../wait-for-web.js';

const DEFAULT_WAIT_SECONDS = 90;
/** Build output marks problems with this prefix (Heroku's convention). */
const PROBLEM = /^ !\s+/;

export const deploy = defineCommand({
  name: 'deploy',
  aliases: ['builds:create'],
  description: 'deploy a directory: upload its source, build it, release it and wait for web to come up',
  needsApp: true,
  args: [{ name: 'DIR', description: 'directory to deploy (default: the current one); .gitignore and .slugignore are honoured' }],
  flags: {
    'wait-timeout': { type: 'string', description: `seconds to wait for web dynos to come up (default ${DEFAULT_WAIT_SECONDS})`, valueName: 'SECONDS' },
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
    const problems = await followOutput(ctx, client, build);
    const finished = await waitForBuild(client, app, build.id);
    if (finished.status !== 'succeeded' || !finished.release) {
      throw new CliError(`${problems.build ?? 'Build failed.'} Deploy of ${appLabel(app)} failed; see 'berth logs -a ${app}'.`);
    }
    const release = await client.getRelease(app, finished.release.id);
    // A crash the build output already reported is final; a slow boot is judged by our own timeout below.
    if (problems.launch && /crash/i.test(problems.launch)) throw new CliError(problems.launch);

    const web = (await client.listFormation(app)).find((f) => f.type === 'web');
    if (web && web.quantity > 0) {
      const outcome = await waitForWeb({
        listDynos: () => client.listDynos(app), version: release.version, quantity: web.quantity, timeoutMs: waitSeconds * 1000,
      });
      if (outcome.status === 'crashed') {
        throw new CliError(`${outcome.dyno} crashed after release v${release.version}; see 'berth logs -a ${app}'.`);
      }
      if (outcome.status === 'timeout') {
        throw new CliError(`web did not come up within ${waitSeconds} s (${outcome.up}/${outcome.wanted} up) after release v${release.version}; see 'berth logs -a ${app}'.`);
      }
    }
    ctx.out.line(`${appInfo.web_url} deployed to Berth (release v${release.version})`);
  },
});

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

interface Problems {
  /** The first problem line of the build itself (before the release was made). */
  build?: string;
  /** A problem reported after `-----> Launching...`: web crashed or did not come up. */
  launch?: string;
}

/** Prints the build output live and remembers the lines that explain a failure. */
async function followOutput(ctx: CommandContext, client: BerthClient, build: Build): Promise<Problems> {
  const problems: Problems = {};
  if (!build.output_stream_url) return problems;
  let launching = false;
  try {
    for await (const line of client.followLines(build.output_stream_url)) {
      ctx.out.line(line);
      if (line.startsWith('-----> Launching')) launching = true;
      if (!PROBLEM.test(line)) continue;
      const text = line.replace(PROBLEM, '').trim();
      if (launching) problems.launch ??= text;
      else problems.build ??= text;
    }
  } catch (e) {
    // The build goes on without us; its status below still decides the outcome.
    if (!(e instanceof StreamDroppedError)) throw e;
    ctx.out.warn('The build output stream was interrupted; waiting for the build to finish.');
  }
  return problems;
}

async function waitForBuild(client: BerthClient, app: string, id: string): Promise<Build> {
  for (;;) {
    const build = await client.getBuild(app, id);
    if (build.status !== 'pending') return build;
    await sleep(500);
  }
}
