// One HTTP exchange with the API: Heroku's Accept header, bearer or basic auth, JSON in and out,
// and Range-header pagination (206 + Next-Range) followed until the last page.
import { apiErrorFrom, ConnectionError } from './api-error.js';

export const HEROKU_ACCEPT = 'application/vnd.heroku+json; version=3';

export type Credentials = { bearer: string } | { basic: { user: string; password: string } } | null;

export interface TransportOptions {
  /** e.g. `http://localhost:5000`; a path prefix is kept. */
  baseUrl: string;
  credentials?: Credentials;
  fetch?: typeof fetch;
  userAgent?: string;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  credentials?: Credentials;
}

export interface Response<T> { status: number; headers: Headers; body: T }

export class HttpTransport {
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: TransportOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch;
  }

  get baseUrl(): string {
    return this.opts.baseUrl.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, req: RequestOptions = {}): Promise<Response<T>> {
    const url = this.baseUrl + path;
    const headers: Record<string, string> = { Accept: HEROKU_ACCEPT, 'User-Agent': this.opts.userAgent ?? 'berth-cli', ...req.headers };
    const creds = req.credentials !== undefined ? req.credentials : this.opts.credentials ?? null;
    if (creds && 'bearer' in creds) headers.Authorization = `Bearer ${creds.bearer}`;
    if (creds && 'basic' in creds) {
      headers.Authorization = `Basic ${Buffer.from(`${creds.basic.user}:${creds.basic.password}`).toString('base64')}`;
    }
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = JSON.stringify(req.body);
      headers['Content-Type'] = 'application/json';
    }
    let res: globalThis.Response;
    try {
      res = await this.fetch(url, { method, headers, body: payload });
    } catch (e) {
      throw new ConnectionError(this.baseUrl, networkReason(e));
    }
    const text = await res.text();
    const body = parseBody(text, res.headers.get('content-type'));
    if (res.status >= 400) throw apiErrorFrom(res.status, res.statusText, body);
    return { status: res.status, headers: res.headers, body: body as T };
  }

  /** GETs a list, following `Next-Range` while the server answers 206 Partial Content. */
  async list<T>(path: string, range?: string): Promise<T[]> {
    const items: T[] = [];
    let next = range;
    // A bound on pages keeps a misbehaving server from looping us forever.
    for (let page = 0; page < 1000; page++) {
      const res = await this.request<T[]>('GET', path, next ? { headers: { Range: next } } : {});
      items.push(...(Array.isArray(res.body) ? res.body : []));
      const nextRange = res.headers.get('next-range');
      if (res.status !== 206 || !nextRange) return items;
      next = nextRange;
    }
    return items;
  }
}

function parseBody(text: string, contentType: string | null): unknown {
  if (!text) return undefined;
  if (contentType?.includes('json') || /^\s*[[{"]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}
