// git:remote: point a git remote of the current repository at an app.
import { CliError, UsageError, defineCommand } from '../command.js';
import { DEFAULT_REMOTE } from '../git-remote.js';

export const gitRemote = defineCommand({
  name: 'git:remote',
  description: 'add (or update) a git remote for an app',
  needsApp: true,
  examples: ['berth git:remote -a demo', 'berth git:remote -a demo -r staging'],
  async run(ctx, input) {
    // Here -a must be explicit: inferring the app from the very remote being set would be circular.
    if (typeof input.flags.app !== 'string') throw new UsageError('Missing required flag -a, --app.');
    const app = await ctx.client().getApp(input.flags.app);
    if (!(await ctx.git.isRepo())) throw new CliError('Not inside a git repository. Run git init first.');
    const remote = typeof input.flags.remote === 'string' ? input.flags.remote : DEFAULT_REMOTE;
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(remote)) throw new UsageError(`Invalid git remote name: ${remote}`);
    await ctx.git.setUrl(remote, app.git_url);
    ctx.out.line(`set git remote ${remote} to ${app.git_url}`);
  },
});
