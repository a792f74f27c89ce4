// domains, domains:add, domains:info, domains:update, domains:remove, domains:clear, domains:wait:
// an app's custom domains, with Heroku's command names and output.
import { defineCommand } from '../command.js';
import { appLabel } from '../output.js';
import { stringFlag } from '../parse-input.js';

/** Heroku's rule: an apex name needs an ALIAS/ANAME record, a subdomain a CNAME. */
const recordType = (hostname: string): string => (!hostname.startsWith('*.') && hostname.split('.').length <= 2 ? 'ALIAS or ANAME' : 'CNAME');

export const domains = defineCommand({
  name: 'domains',
  description: 'list domains for an app',
  needsApp: true,
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const app = await ctx.app(input);
    const list = await ctx.client().edge.domains(app);
    if (input.flags.json) return ctx.out.json(list);
    ctx.out.header(`${appLabel(app)} Berth Domain`);
    ctx.out.line(list.find((d) => d.kind === 'heroku')?.hostname ?? '');
    const custom = list.filter((d) => d.kind === 'custom');
    if (custom.length === 0) return;
    ctx.out.line();
    ctx.out.header(`${appLabel(app)} Custom Domains`);
    ctx.out.table(custom, [
      { header: 'Domain Name', get: (d) => d.hostname },
      { header: 'DNS Record Type', get: (d) => recordType(d.hostname) },
      { header: 'DNS Target', get: (d) => d.cname ?? '' },
      { header: 'SNI Endpoint', get: (d) => d.sni_endpoint?.name ?? '' },
    ]);
  },
});

export const domainsAdd = defineCommand({
  name: 'domains:add',
  description: 'add a domain to an app',
  needsApp: true,
  args: [{ name: 'HOSTNAME', description: 'the full hostname, e.g. www.example.com or *.example.com', required: true }],
  flags: { cert: { type: 'string', short: 'c', description: 'the SNI endpoint (certificate) to use for this domain', valueName: 'NAME' }, json: { type: 'boolean', description: 'output in json format' } },
  examples: ['berth domains:add www.example.com -a demo'],
  async run(ctx, input) {
    const [app, hostname] = [await ctx.app(input), input.args.HOSTNAME!];
    const domain = await ctx.out.action(`Adding ${hostname} to ${appLabel(app)}`, () => ctx.client().edge.addDomain(app, hostname, stringFlag(input, 'cert') ?? null));
    if (input.flags.json) return ctx.out.json(domain);
    ctx.out.line(`Configure your app's DNS provider to point to the DNS Target ${domain.cname ?? ''}.`);
  },
});

export const domainsInfo = defineCommand({
  name: 'domains:info',
  description: 'show detailed information for a domain on an app',
  needsApp: true,
  args: [{ name: 'HOSTNAME', description: 'the hostname', required: true }],
  async run(ctx, input) {
    const d = await ctx.client().edge.domain(await ctx.app(input), input.args.HOSTNAME!);
    ctx.out.styledObject({
      'Domain Name': d.hostname, Kind: d.kind, 'DNS Target': d.cname, Status: d.status, 'SNI Endpoint': d.sni_endpoint?.name ?? null,
      App: d.app.name, 'Created At': d.created_at, 'Updated At': d.updated_at,
    });
  },
});

export const domainsUpdate = defineCommand({
  name: 'domains:update',
  description: 'choose the SNI endpoint (certificate) a domain is served with',
  needsApp: true,
  args: [{ name: 'HOSTNAME', description: 'the hostname', required: true }],
  flags: { cert: { type: 'string', description: 'the SNI endpoint name; empty to serve any certificate that covers the domain', valueName: 'NAME' } },
  async run(ctx, input) {
    const [app, hostname, cert] = [await ctx.app(input), input.args.HOSTNAME!, stringFlag(input, 'cert') || null];
    await ctx.out.action(`Updating ${hostname} to use ${cert ?? 'any covering'} certificate`, () => ctx.client().edge.updateDomain(app, hostname, cert));
  },
});

export const domainsRemove = defineCommand({
  name: 'domains:remove',
  description: 'remove a domain from an app',
  needsApp: true,
  args: [{ name: 'HOSTNAME', description: 'the hostname', required: true }],
  async run(ctx, input) {
    const [app, hostname] = [await ctx.app(input), input.args.HOSTNAME!];
    await ctx.out.action(`Removing ${hostname} from ${appLabel(app)}`, () => ctx.client().edge.removeDomain(app, hostname));
  },
});

export const domainsClear = defineCommand({
  name: 'domains:clear',
  description: 'remove all custom domains from an app',
  needsApp: true,
  async run(ctx, input) {
    const app = await ctx.app(input);
    await ctx.out.action(`Removing all domains from ${appLabel(app)}`, async () => {
      const client = ctx.client().edge;
      for (const d of await client.domains(app)) if (d.kind === 'custom') await client.removeDomain(app, d.hostname);
    });
  },
});

export const domainsWait = defineCommand({
  name: 'domains:wait',
  description: 'wait for a domain to be active for an app (on Berth a domain is routed as soon as it is added)',
  needsApp: true,
  args: [{ name: 'HOSTNAME', description: 'the hostname (all pending domains when omitted)' }],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const client = ctx.client().edge;
    const list = input.args.HOSTNAME ? [await client.domain(app, input.args.HOSTNAME)] : (await client.domains(app)).filter((d) => d.status === 'pending');
    for (const d of list) await ctx.out.action(`Waiting for ${d.hostname}`, async () => undefined);
  },
});
