// Heroku's JSON for domains and SNI endpoints (what `heroku domains`, `domains:info`, `certs` and
// `certs:info` read). A private key is never part of it.
import type { AppDomain } from '../services/app-domains.js';
import type { SniEndpoint } from '../services/sni-endpoints.js';

/**
 * The DNS target of a custom domain: the app's own name under the base domain, which the operator's
 * wildcard record already points at the router (Heroku shows a name under herokudns.com).
 */
export const cnameTarget = (appName: string, baseDomain: string): string => `${appName}.${baseDomain}`;

export function domainJson(d: AppDomain, baseDomain: string) {
  const app = { id: d.app.id, name: d.app.name };
  if (d.kind === 'heroku') {
    return {
      id: d.app.id, hostname: d.hostname, kind: 'heroku', cname: null, status: 'none', acm_status: null, acm_status_reason: null,
      app, sni_endpoint: null, created_at: d.app.createdAt, updated_at: d.app.updatedAt,
    };
  }
  return {
    id: d.domain.id, hostname: d.domain.hostname, kind: 'custom', cname: cnameTarget(d.app.name, baseDomain),
    // Routed as soon as the router hears of it (seconds): nothing to wait for, as Heroku's `none`.
    status: 'none', acm_status: null, acm_status_reason: null, app,
    sni_endpoint: d.certificate ? { id: d.certificate.id, name: d.certificate.name } : null,
    created_at: d.domain.createdAt, updated_at: d.domain.updatedAt,
  };
}

export function sniEndpointJson(e: SniEndpoint) {
  const c = e.certificate;
  return {
    id: c.id, name: c.name, display_name: null, certificate_chain: c.certificateChain,
    app: { id: e.app.id, name: e.app.name }, domains: e.domains, created_at: c.createdAt, updated_at: c.updatedAt,
    ssl_cert: {
      id: c.id, 'ca_signed?': e.details.caSigned, 'self_signed?': e.details.selfSigned, cert_domains: c.hostnames,
      starts_at: c.startsAt, expires_at: c.expiresAt, issuer: e.details.issuer, subject: e.details.subject, acm: c.origin === 'acme',
    },
  };
}
