// Automatic certificates through the API (Heroku's /apps/{app}/acm, and Berth's GET of it).
import type { HttpTransport } from './http-transport.js';

export interface AcmDomainStatus {
  hostname: string;
  kind: 'custom';
  /** `pending`, `ok`, `failing` (retrying) or `failed` (until certs:auto:refresh). */
  acm_status: string;
  acm_status_reason: string | null;
  updated_at: string | null;
}

export interface AcmInfo {
  id: string;
  name: string;
  acm: boolean;
  domains: AcmDomainStatus[];
}

const seg = (s: string): string => encodeURIComponent(s);

export class AcmClient {
  constructor(private readonly http: HttpTransport) {}

  async status(app: string): Promise<AcmInfo> {
    return (await this.http.request<AcmInfo>('GET', `/apps/${seg(app)}/acm`)).body;
  }

  async enable(app: string): Promise<AcmInfo> {
    return (await this.http.request<AcmInfo>('POST', `/apps/${seg(app)}/acm`, { body: {} })).body;
  }

  async disable(app: string): Promise<AcmInfo> {
    return (await this.http.request<AcmInfo>('DELETE', `/apps/${seg(app)}/acm`)).body;
  }

  async refresh(app: string): Promise<AcmInfo> {
    return (await this.http.request<AcmInfo>('PATCH', `/apps/${seg(app)}/acm`, { body: { acm_refresh: true } })).body;
  }
}
