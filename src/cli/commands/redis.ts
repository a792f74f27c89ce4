// redis:cli: open redis-cli on the app's Redis add-on.
import { defineCommand } from '../command.js';
import { attachmentUrl, openClient } from './service-client.js';

export const redisCli = defineCommand({
  name: 'redis:cli',
  description: "open redis-cli on the app's Redis add-on",
  needsApp: true,
  args: [{ name: 'DATABASE', description: 'attachment name (default REDIS)' }],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const url = attachmentUrl(await ctx.client().getConfigVars(app), app, input.args.DATABASE ?? 'REDIS');
    await openClient('redis-cli', ['-u', url]);
  },
});
