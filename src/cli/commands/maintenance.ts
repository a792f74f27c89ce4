// maintenance, maintenance:on, maintenance:off: the router answers the app's requests with a
// maintenance page (503) while it is on; the dynos keep running.
import { defineCommand } from '../command.js';
import { appLabel } from '../output.js';

export const maintenance = defineCommand({
  name: 'maintenance',
  description: 'display the current maintenance status of an app (on or off)',
  needsApp: true,
  examples: ['berth maintenance -a demo'],
  async run(ctx, input) {
    const app = await ctx.client().getApp(await ctx.app(input));
    ctx.out.line(app.maintenance ? 'on' : 'off');
  },
});

const setMaintenance = (on: boolean) => defineCommand({
  name: on ? 'maintenance:on' : 'maintenance:off',
  description: on ? 'put the app into maintenance mode: the router answers with a maintenance page' : 'take the app out of maintenance mode',
  needsApp: true,
  examples: [`berth maintenance:${on ? 'on' : 'off'} -a demo`],
  async run(ctx, input) {
    const app = await ctx.app(input);
    await ctx.out.action(`${on ? 'Enabling' : 'Disabling'} maintenance mode for ${appLabel(app)}`, () => ctx.client().updateApp(app, { maintenance: on }));
  },
});

export const maintenanceOn = setMaintenance(true);
export const maintenanceOff = setMaintenance(false);
