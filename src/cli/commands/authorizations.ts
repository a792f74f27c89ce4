// authorizations, authorizations:revoke: the API tokens of the logged-in user.
import { defineCommand } from '../command.js';
import { formatDate } from '../output.js';

export const authorizations = defineCommand({
  name: 'authorizations',
  aliases: ['authorizations:list'],
  description: 'list your API tokens (OAuth authorizations)',
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const list = await ctx.client().listAuthorizations();
    if (input.flags.json) return ctx.out.json(list);
    if (list.length === 0) return ctx.out.line('No OAuth authorizations.');
    ctx.out.table(list, [
      { header: 'Description', get: (a) => a.description + (a.current ? ' (current)' : '') },
      { header: 'Id', get: (a) => a.id },
      { header: 'Scope', get: (a) => (a.scope ?? []).join(',') },
      { header: 'Created', get: (a) => formatDate(a.created_at) },
    ]);
  },
});

export const authorizationsRevoke = defineCommand({
  name: 'authorizations:revoke',
  aliases: ['authorizations:destroy'],
  description: 'revoke an API token at once',
  args: [{ name: 'ID', description: 'id of the authorization', required: true }],
  async run(ctx, input) {
    const id = input.args.ID!;
    await ctx.out.action(`Revoking OAuth Authorization ${id}`, () => ctx.client().deleteAuthorization(id));
  },
});
