// users, users:add, users:remove: admin-only account management (a Berth extension of the API).
import { CliError, defineCommand } from '../command.js';
import { formatDate } from '../output.js';
import { stringFlag } from '../parse-input.js';

export const users = defineCommand({
  name: 'users',
  aliases: ['users:list'],
  description: 'list the users of this Berth (admin only)',
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const list = await ctx.client().listUsers();
    if (input.flags.json) return ctx.out.json(list);
    ctx.out.table(list, [
      { header: 'Email', get: (u) => u.email + (u.admin ? ' (admin)' : '') },
      { header: 'Id', get: (u) => u.id },
      { header: 'Created', get: (u) => formatDate(u.created_at) },
    ]);
  },
});

export const usersAdd = defineCommand({
  name: 'users:add',
  description: 'create a user (admin only); prints a generated password when none is given',
  args: [{ name: 'EMAIL', description: 'email of the new user', required: true }],
  flags: { password: { type: 'string', short: 'p', description: 'password for the new user', valueName: 'PASSWORD' } },
  examples: ['berth users:add dev@example.com', 'berth users:add dev@example.com --password s3cret-passphrase'],
  async run(ctx, input) {
    const email = input.args.EMAIL!;
    const user = await ctx.out.action(`Adding user ${email}`, () => ctx.client().createUser(email, stringFlag(input, 'password')));
    // The generated password is shown once, on stdout so a script can capture it.
    if (user.password) ctx.out.line(`Password: ${user.password}`);
  },
});

export const usersRemove = defineCommand({
  name: 'users:remove',
  description: 'delete a user (admin only; requires --confirm EMAIL)',
  args: [{ name: 'EMAIL', description: 'email or id of the user', required: true }],
  flags: { confirm: { type: 'string', short: 'c', description: 'the email again, to confirm', valueName: 'EMAIL' } },
  async run(ctx, input) {
    const email = input.args.EMAIL!;
    const confirm = stringFlag(input, 'confirm');
    if (confirm === undefined) throw new CliError(`This will permanently delete the user ${email}. To proceed, re-run with --confirm ${email}`);
    if (confirm !== email) throw new CliError(`Confirmation ${confirm} did not match ${email}. Aborted.`);
    await ctx.out.action(`Removing user ${email}`, () => ctx.client().deleteUser(email));
  },
});
