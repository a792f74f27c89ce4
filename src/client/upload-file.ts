// Uploading a packed source to a Heroku-style `put_url`: a plain PUT whose URL is the credential.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { apiErrorFrom, ConnectionError } from './api-error.js';

export interface UploadOptions {
  fetch?: typeof fetch;
  /** Bytes sent so far and the total, as the file is read into the request. */
  onProgress?(sent: number, total: number): void;
}

/**
 * PUTs `file` (of `bytes` bytes) as the raw body. No Authorization header: put_urls may point at
 * object storage, which must never see the user's API token.
 */
export async function uploadFile(url: string, file: string, bytes: number, opts: UploadOptions = {}): Promise<void> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  let sent = 0;
  opts.onProgress?.(0, bytes);
  const counted = createReadStream(file).map((chunk: Buffer) => {
    sent += chunk.length;
    opts.onProgress?.(sent, bytes);
    return chunk;
  });
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/gzip', 'Content-Length': String(bytes) },
      body: Readable.toWeb(counted) as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
  } catch (e) {
    throw new ConnectionError(new URL(url).origin, (e as { cause?: { code?: string } })?.cause?.code ?? String(e));
  }
  const text = await res.text();
  if (res.status >= 400) {
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* plain text errors are kept */ }
    throw apiErrorFrom(res.status, res.statusText, body);
  }
}
