// Custom domains, certificates (SNI endpoints) and app features through the API (Heroku's shapes).
import type { HttpTransport } from './http-transport.js';

export interface DomainInfo {
  id: string;
  hostname: string;
  kind: 'heroku' | 'custom';
  cname: string | null;
  status: string;
  acm_status: string | null;
  sni_endpoint: { id: string; name: string } | null;
  app: { id: string; name: string };
  created_at: string;
  updated_at: string;
}

export interface SniEndpointInfo {
  id: string;
  name: string;
  domains: string[];
  app: { id: string; name: string };
  created_at: string;
  updated_at: string;
  ssl_cert: {
    'ca_signed?': boolean;
    'self_signed?': boolean;
    cert_domains: string[];
    starts_at: string;
    expires_at: string;
    issuer: string;
    subject: string;
    acm: boolean;
  };
}

const seg = (s: string): string => encodeURIComponent(s);

export class EdgeClient {
  constructor(private readonly http: HttpTransport) {}

  domains(app: string): Promise<DomainInfo[]> {
    return this.http.list<DomainInfo>(`/apps/${seg(app)}/domains`);
  }

  async domain(app: string, hostname: string): Promise<DomainInfo> {
    return (await this.http.request<DomainInfo>('GET', `/apps/${seg(app)}/domains/${seg(hostname)}`)).body;
  }

  async addDomain(app: string, hostname: string, sniEndpoint: string | null = null): Promise<DomainInfo> {
    return (await this.http.request<DomainInfo>('POST', `/apps/${seg(app)}/domains`, { body: { hostname, sni_endpoint: sniEndpoint } })).body;
  }

  async updateDomain(app: string, hostname: string, sniEndpoint: string | null): Promise<DomainInfo> {
    return (await this.http.request<DomainInfo>('PATCH', `/apps/${seg(app)}/domains/${seg(hostname)}`, { body: { sni_endpoint: sniEndpoint } })).body;
  }

  async removeDomain(app: string, hostname: string): Promise<DomainInfo> {
    return (await this.http.request<DomainInfo>('DELETE', `/apps/${seg(app)}/domains/${seg(hostname)}`)).body;
  }

  certificates(app: string): Promise<SniEndpointInfo[]> {
    return this.http.list<SniEndpointInfo>(`/apps/${seg(app)}/sni-endpoints`);
  }

  async certificate(app: string, name: string): Promise<SniEndpointInfo> {
    return (await this.http.request<SniEndpointInfo>('GET', `/apps/${seg(app)}/sni-endpoints/${seg(name)}`)).body;
  }

  async addCertificate(app: string, certificateChain: string, privateKey: string): Promise<SniEndpointInfo> {
    return (await this.http.request<SniEndpointInfo>('POST', `/apps/${seg(app)}/sni-endpoints`, { body: { certificate_chain: certificateChain, private_key: privateKey } })).body;
  }

  async updateCertificate(app: string, name: string, certificateChain: string, privateKey: string): Promise<SniEndpointInfo> {
    return (await this.http.request<SniEndpointInfo>('PATCH', `/apps/${seg(app)}/sni-endpoints/${seg(name)}`, { body: { certificate_chain: certificateChain, private_key: privateKey } })).body;
  }

  async removeCertificate(app: string, name: string): Promise<SniEndpointInfo> {
    return (await this.http.request<SniEndpointInfo>('DELETE', `/apps/${seg(app)}/sni-endpoints/${seg(name)}`)).body;
  }

  async setFeature(app: string, feature: string, enabled: boolean): Promise<void> {
    await this.http.request('PATCH', `/apps/${seg(app)}/features/${seg(feature)}`, { body: { enabled } });
  }
}
