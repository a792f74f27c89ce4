// certs, certs:add, certs:info, certs:update, certs:remove: an app's TLS certificates (Heroku's
// SNI endpoints). The key file is read here and sent once; the API never sends it back.
import { readFile } from 'node:fs/promises';
import type { SniEndpointInfo } from '../../client/edge-client.js';
import { CliError, defineCommand, type CommandContext, type ParsedInput } from '../command.js';
import { appLabel } from '../output.js';
import { stringFlag } from '../parse-input.js';

const nameFlag = { name: { type: 'string', description: 'the certificate (SNI endpoint) name', valueName: 'NAME' } } as const;

/** The one certificate a command is about: `--name`, or the app's only one. */
async function endpointOf(ctx: CommandContext, input: ParsedInput, app: string): Promise<SniEndpointInfo> {
  const name = stringFlag(input, 'name');
  const all = await ctx.client().edge.certificates(app);
  if (all.length === 0) throw new CliError(`${app} has no SSL certificates`);
  const found = name ? all.filter((c) => c.name === name) : all;
  if (found.length === 0) throw new CliError(`No certificate named ${name} on ${app}`);
  if (found.length > 1) throw new CliError('Must pass --name when more than one endpoint');
  return found[0]!;
}

function showDetails(ctx: CommandContext, e: SniEndpointInfo): void {
  ctx.out.line('Certificate details:');
  ctx.out.styledObject({
    'Common Name(s)': e.ssl_cert.cert_domains.join(', '), 'Domain(s)': e.domains.join(', '), 'Expires At': e.ssl_cert.expires_at,
    Issuer: e.ssl_cert.issuer, 'Starts At': e.ssl_cert.starts_at, Subject: e.ssl_cert.subject,
  });
  ctx.out.line(e.ssl_cert['ca_signed?'] ? 'SSL certificate is verified by a root authority.' : e.ssl_cert['self_signed?'] ? 'SSL certificate is self signed.' : 'SSL certificate is not trusted.');
}

async function readPem(path: string, what: string): Promise<string> {
  return readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => { throw new CliError(`Cannot read the ${what} ${path}: ${e.code ?? e.message}`); });
}

export const certs = defineCommand({
  name: 'certs',
  description: 'list SSL certificates for an app',
  needsApp: true,
  flags: { json: { type: 'boolean', description: 'output in json format' } },
  async run(ctx, input) {
    const app = await ctx.app(input);
    const list = await ctx.client().edge.certificates(app);
    if (input.flags.json) return ctx.out.json(list);
    if (list.length === 0) return ctx.out.line(`${appLabel(app)} has no SSL certificates.`);
    ctx.out.table(list, [
      { header: 'Name', get: (c) => c.name },
      { header: 'Common Name(s)', get: (c) => c.ssl_cert.cert_domains.join(', ') },
      { header: 'Expires', get: (c) => c.ssl_cert.expires_at },
      { header: 'Trusted', get: (c) => (c.ssl_cert['ca_signed?'] ? 'True' : 'False') },
      { header: 'Type', get: (c) => (c.ssl_cert.acm ? 'ACM' : 'SNI') },
      { header: 'Domains', get: (c) => String(c.domains.length) },
    ]);
  },
});

export const certsAdd = defineCommand({
  name: 'certs:add',
  description: 'add an SSL certificate to an app (the chain, leaf first, and its unencrypted private key)',
  needsApp: true,
  args: [{ name: 'CRT', description: 'the certificate chain file (PEM)', required: true }, { name: 'KEY', description: 'the private key file (PEM)', required: true }],
  examples: ['berth certs:add server.crt server.key -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const [crt, key] = [await readPem(input.args.CRT!, 'certificate'), await readPem(input.args.KEY!, 'key')];
    const added = await ctx.out.action(`Adding SSL certificate to ${appLabel(app)}`, () => ctx.client().edge.addCertificate(app, crt, key));
    showDetails(ctx, added);
  },
});

export const certsInfo = defineCommand({
  name: 'certs:info',
  description: 'show certificate information for an SSL certificate',
  needsApp: true,
  flags: nameFlag,
  async run(ctx, input) {
    const app = await ctx.app(input);
    const e = await endpointOf(ctx, input, app);
    showDetails(ctx, await ctx.client().edge.certificate(app, e.name));
  },
});

export const certsUpdate = defineCommand({
  name: 'certs:update',
  description: 'update an SSL certificate on an app',
  needsApp: true,
  args: [{ name: 'CRT', description: 'the certificate chain file (PEM)', required: true }, { name: 'KEY', description: 'the private key file (PEM)', required: true }],
  flags: nameFlag,
  async run(ctx, input) {
    const app = await ctx.app(input);
    const e = await endpointOf(ctx, input, app);
    const [crt, key] = [await readPem(input.args.CRT!, 'certificate'), await readPem(input.args.KEY!, 'key')];
    const updated = await ctx.out.action(`Updating SSL certificate ${e.name} for ${appLabel(app)}`, () => ctx.client().edge.updateCertificate(app, e.name, crt, key));
    showDetails(ctx, updated);
  },
});

export const certsRemove = defineCommand({
  name: 'certs:remove',
  description: 'remove an SSL certificate from an app',
  needsApp: true,
  flags: nameFlag,
  async run(ctx, input) {
    const app = await ctx.app(input);
    const e = await endpointOf(ctx, input, app);
    await ctx.out.action(`Removing SSL certificate ${e.name} from ${appLabel(app)}`, () => ctx.client().edge.removeCertificate(app, e.name));
  },
});
