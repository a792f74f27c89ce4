// certs:auto, certs:auto:enable, certs:auto:disable, certs:auto:refresh: automatic certificates
// (Heroku's ACM) for an app's custom domains; and api:certificate, which shows the certificate the
// API's HTTPS listener presents, to check against the fingerprint the server printed and to trust it.
import { writeFile } from 'node:fs/promises';
import type { AcmInfo } from '../../client/acm-client.js';
import { presentedCertificate } from '../../client/server-certificate.js';
import { CliError, defineCommand, type CommandContext } from '../command.js';
import { appLabel } from '../output.js';
import { stringFlag } from '../parse-input.js';

const json = { type: 'boolean', description: 'output in json format' } as const;

/** Heroku's words: OK, Failing, Failed, Pending. */
const statusWord = (s: string): string => (s === 'ok' ? 'OK' : s.charAt(0).toUpperCase() + s.slice(1));

function showStatus(ctx: CommandContext, app: string, info: AcmInfo): void {
  if (!info.acm) return ctx.out.line(`Automatic Certificate Management is disabled on ${appLabel(app)}.`);
  ctx.out.header(`Automatic Certificate Management is enabled on ${app}`);
  if (info.domains.length === 0) return ctx.out.line(`Add a custom domain to your app by running: berth domains:add <yourdomain.com> -a ${app}`);
  ctx.out.table(info.domains, [
    { header: 'Domain', get: (d) => d.hostname },
    { header: 'Status', get: (d) => statusWord(d.acm_status) },
    { header: 'Reason', get: (d) => d.acm_status_reason ?? '' },
    { header: 'Last Updated', get: (d) => (d.updated_at ? `${d.updated_at.slice(0, 16).replace('T', ' ')} UTC` : '') },
  ]);
  if (info.domains.some((d) => d.acm_status === 'failed')) ctx.out.line(`\nSome domains failed validation after several attempts; try again with: berth certs:auto:refresh -a ${app}`);
  else if (info.domains.some((d) => d.acm_status === 'failing')) ctx.out.line('\nSome domains are failing validation: check that their DNS points at the router (berth domains).');
}

export const certsAuto = defineCommand({
  name: 'certs:auto',
  description: 'show automatic certificate status for each custom domain of an app, with the reason of a failure',
  needsApp: true,
  flags: { json },
  examples: ['berth certs:auto -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    const info = await ctx.client().acm.status(app);
    if (input.flags.json) return ctx.out.json(info);
    showStatus(ctx, app, info);
  },
});

export const certsAutoEnable = defineCommand({
  name: 'certs:auto:enable',
  description: 'get and renew certificates for the app\'s custom domains automatically (ACME HTTP-01)',
  needsApp: true,
  examples: ['berth certs:auto:enable -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    await ctx.out.action('Enabling Automatic Certificate Management', () => ctx.client().acm.enable(app), () => 'starting');
    ctx.out.line(`See the status with berth certs:auto -a ${app}`);
  },
});

export const certsAutoDisable = defineCommand({
  name: 'certs:auto:disable',
  description: 'stop getting and renewing certificates automatically (the current one is served until it expires or is replaced)',
  needsApp: true,
  flags: { confirm: { type: 'string', short: 'c', description: 'the app name, to confirm', valueName: 'APP' } },
  examples: ['berth certs:auto:disable -a demo --confirm demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    if (stringFlag(input, 'confirm') !== app) {
      throw new CliError(`Its certificate will no longer be renewed, and HTTPS to ${appLabel(app)} fails once it expires. To proceed, re-run with --confirm ${app}`);
    }
    await ctx.out.action('Disabling Automatic Certificate Management', () => ctx.client().acm.disable(app));
  },
});

export const certsAutoRefresh = defineCommand({
  name: 'certs:auto:refresh',
  description: 'try the app\'s failed domains again now',
  needsApp: true,
  examples: ['berth certs:auto:refresh -a demo'],
  async run(ctx, input) {
    const app = await ctx.app(input);
    await ctx.out.action('Refreshing Automatic Certificate Management', () => ctx.client().acm.refresh(app));
  },
});

export const apiCertificate = defineCommand({
  name: 'api:certificate',
  description: 'show the certificate the API presents over HTTPS (compare its fingerprint with the one the server printed); --save writes it for git and node to trust',
  args: [{ name: 'URL', description: 'the API\'s https:// URL (default BERTH_API_URL)' }],
  flags: { save: { type: 'string', description: 'write the certificate (PEM) to this file', valueName: 'FILE' }, json },
  examples: ['berth api:certificate https://berth.example.com:5443 --save berth.pem'],
  async run(ctx, input) {
    const url = input.args.URL ?? ctx.apiUrl;
    const cert = await presentedCertificate(url).catch((e: Error) => { throw new CliError(`Could not read the certificate of ${url}: ${e.message}`); });
    if (input.flags.json) return ctx.out.json(cert);
    ctx.out.styledObject({ URL: url, 'SHA-256 fingerprint': cert.fingerprint256, Names: cert.subjectAltName, 'Valid until': cert.validTo });
    const save = stringFlag(input, 'save');
    if (save) {
      await writeFile(save, cert.pem);
      ctx.out.line(`\nSaved to ${save}. If the fingerprint is the one the server printed, trust it with:\n  git config --global http.${new URL(url).origin}/.sslCAInfo ${save}\n  export NODE_EXTRA_CA_CERTS=${save}   # the heroku CLI`);
    }
  },
});
