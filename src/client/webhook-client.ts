// App webhooks through the API (Heroku's /apps/{app}/webhooks, webhook-deliveries, webhook-events shapes).
import type { HttpTransport } from './http-transport.js';

export interface WebhookInfo {
  id: string;
  app: { id: string; name: string };
  url: string;
  include: string[];
  level: 'notify' | 'sync';
  created_at: string;
  updated_at: string;
}

export interface WebhookInput {
  url?: string;
  include?: string[];
  level?: string;
  secret?: string;
  authorization?: string;
}

export interface WebhookDeliveryInfo {
  id: string;
  event: { id: string; include: string };
  webhook: { id: string; level: string };
  status: 'pending' | 'retrying' | 'failed' | 'succeeded';
  num_attempts: number;
  next_attempt_at: string | null;
  last_attempt: { id: string; code: number | null; error_class: string | null; status: string; created_at: string } | null;
  created_at: string;
}

export interface WebhookEventInfo {
  id: string;
  include: string;
  payload: { action: string; resource: string; published_at: string; data: Record<string, unknown> } & Record<string, unknown>;
  created_at: string;
}

const seg = (s: string): string => encodeURIComponent(s);

export class WebhookClient {
  constructor(private readonly http: HttpTransport) {}

  async list(app: string): Promise<WebhookInfo[]> {
    return (await this.http.request<WebhookInfo[]>('GET', `/apps/${seg(app)}/webhooks`)).body;
  }

  /** The secret comes back once, in the `Heroku-Webhook-Secret` header. */
  async add(app: string, input: WebhookInput): Promise<{ webhook: WebhookInfo; secret: string | null }> {
    const res = await this.http.request<WebhookInfo>('POST', `/apps/${seg(app)}/webhooks`, { body: input });
    return { webhook: res.body, secret: res.headers.get('heroku-webhook-secret') };
  }

  async info(app: string, id: string): Promise<WebhookInfo> {
    return (await this.http.request<WebhookInfo>('GET', `/apps/${seg(app)}/webhooks/${seg(id)}`)).body;
  }

  async update(app: string, id: string, input: WebhookInput): Promise<WebhookInfo> {
    return (await this.http.request<WebhookInfo>('PATCH', `/apps/${seg(app)}/webhooks/${seg(id)}`, { body: input })).body;
  }

  async remove(app: string, id: string): Promise<WebhookInfo> {
    return (await this.http.request<WebhookInfo>('DELETE', `/apps/${seg(app)}/webhooks/${seg(id)}`)).body;
  }

  /** Newest first. */
  async deliveries(app: string, status?: string): Promise<WebhookDeliveryInfo[]> {
    const query = status ? `?eq[status]=${seg(status)}` : '';
    return (await this.http.request<WebhookDeliveryInfo[]>('GET', `/apps/${seg(app)}/webhook-deliveries${query}`, { headers: { Range: 'seq ..; order=desc,max=1000' } })).body;
  }

  async delivery(app: string, id: string): Promise<WebhookDeliveryInfo> {
    return (await this.http.request<WebhookDeliveryInfo>('GET', `/apps/${seg(app)}/webhook-deliveries/${seg(id)}`)).body;
  }

  async events(app: string): Promise<WebhookEventInfo[]> {
    return (await this.http.request<WebhookEventInfo[]>('GET', `/apps/${seg(app)}/webhook-events`)).body;
  }

  async event(app: string, id: string): Promise<WebhookEventInfo> {
    return (await this.http.request<WebhookEventInfo>('GET', `/apps/${seg(app)}/webhook-events/${seg(id)}`)).body;
  }
}
