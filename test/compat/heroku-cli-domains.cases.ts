// Issue 17's domain and certificate commands of the stock heroku CLI against Berth: domains*,
// certs* (a certificate from a CA made here) and features:enable http-redirect, then the deployed
// app fetched through the router's HTTPS listener by its custom domain, as a browser would.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { makeTestCa } from '../support/test-certificates.js';
import type { DeployedAppSuite } from './heroku-cli-rest.cases.js';

const DOMAIN = 'www.compat-shop.test';

/** GET over the router's HTTPS port with SNI and Host naming `host`, trusting `ca`: status, body, the name the certificate was for. */
function overHttps(port: number, host: string, ca: string): Promise<{ status: number; body: string; servedFor: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, servername: host, headers: { host }, ca, agent: false }, (res) => {
      const servedFor = (res.socket as TLSSocket).getPeerCertificate().subjectaltname ?? '';
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body, servedFor }));
    });
    req.once('error', reject).end();
  });
}

function overHttp(port: number, host: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, headers: { host } }, (res) => {
      res.resume().on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.once('error', reject).end();
  });
}

export function describeDomains(s: DeployedAppSuite): void {
  describe('domains, domains:add/info/remove/clear/wait, certs, certs:add/info/remove, features:enable http-redirect', { timeout: 180_000 }, () => {
    it('certs:add takes a chain and key, domains:add ties the domain to it, and the app answers over HTTPS with that certificate', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'berth-compat-certs-'));
      s.removeLater(dir);
      const ca = makeTestCa(dir);
      const leaf = ca.leaf([DOMAIN]);
      writeFileSync(join(dir, 'server.crt'), leaf.chain);
      writeFileSync(join(dir, 'server.key'), leaf.key);

      // The certificate first: certs:add then finds no domain of the app to offer it for (no prompt).
      const added = s.ok(await s.run(['certs:add', join(dir, 'server.crt'), join(dir, 'server.key'), '-a', s.app]));
      expect(added.stdout).toContain(DOMAIN);
      expect(added.stdout).toContain('SSL certificate is not trusted.');
      const name = (await s.server().api('GET', `/apps/${s.app}/sni-endpoints`)).body[0].name as string;
      expect(s.ok(await s.run(['certs', '-a', s.app])).stdout).toMatch(new RegExp(`${name}\\s+${DOMAIN.replace(/\./g, '\\.')}`));

      const domain = s.ok(await s.run(['domains:add', DOMAIN, '--cert', name, '-a', s.app]));
      expect(domain.stdout).toContain(`Configure your app's DNS provider to point to the DNS Target ${s.app}.localhost`);
      const list = s.ok(await s.run(['domains', '-a', s.app])).stdout;
      expect(list).toContain(`${s.app}.localhost`);
      expect(list).toMatch(new RegExp(`${DOMAIN.replace(/\./g, '\\.')}\\s+CNAME\\s+${s.app}\\.localhost\\s+${name}`));
      expect(s.ok(await s.run(['domains:info', DOMAIN, '-a', s.app])).stdout).toMatch(/kind:\s+custom/);
      s.ok(await s.run(['domains:wait', DOMAIN, '-a', s.app]));
      expect(s.ok(await s.run(['certs:info', '--name', name, '-a', s.app])).stdout).toContain(DOMAIN);

      // The router hears of it within seconds, through the route feed.
      let page = { status: 0, body: '', servedFor: '' };
      for (let i = 0; i < 50 && page.status !== 200; i++) {
        page = await overHttps(s.server().routerHttpsPort, DOMAIN, ca.root.cert).catch(() => page);
        if (page.status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(page).toMatchObject({ status: 200, servedFor: `DNS:${DOMAIN}` });
      // The app's own page: the same one its default name serves over plain HTTP.
      expect(page.body).toBe((await s.viaRouter(s.app)).body);
    });

    it('features:enable http-redirect sends plain HTTP for the domain to HTTPS', async () => {
      s.ok(await s.run(['features:enable', 'http-redirect', '-a', s.app]));
      let res = { status: 0 } as { status: number; location?: string };
      for (let i = 0; i < 50 && res.status !== 301; i++) {
        res = await overHttp(s.server().routerPort, DOMAIN);
        if (res.status !== 301) await new Promise((r) => setTimeout(r, 200));
      }
      expect(res).toEqual({ status: 301, location: `https://${DOMAIN}:${s.server().routerHttpsPort}/` });
      s.ok(await s.run(['features:disable', 'http-redirect', '-a', s.app]));
    });

    it('certs:remove and domains:remove / domains:clear take them away again', async () => {
      const name = (await s.server().api('GET', `/apps/${s.app}/sni-endpoints`)).body[0].name as string;
      s.ok(await s.run(['certs:remove', '--name', name, '--confirm', s.app, '-a', s.app]));
      expect((await s.server().api('GET', `/apps/${s.app}/sni-endpoints`)).body).toEqual([]);
      s.ok(await s.run(['domains:add', 'other.compat-shop.test', '-a', s.app]));
      s.ok(await s.run(['domains:remove', 'other.compat-shop.test', '-a', s.app]));
      s.ok(await s.run(['domains:clear', '-a', s.app]));
      const left = (await s.server().api('GET', `/apps/${s.app}/domains`)).body as Array<{ kind: string }>;
      expect(left.map((d) => d.kind)).toEqual(['heroku']);
    });
  });
}
