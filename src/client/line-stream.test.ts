import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { streamLines } from './line-stream.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return `http://127.0.0.1:${addr.port}/stream`;
}

describe('streamLines', () => {
  it('yields lines split across chunks, and a last line without a newline', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('-----> Bui');
      setTimeout(() => res.end('ld queued\r\n       Released v1: web is up'), 20);
    });
    const lines: string[] = [];
    for await (const l of streamLines(url)) lines.push(l);
    expect(lines).toEqual(['-----> Build queued', '       Released v1: web is up']);
  });

  it('turns an error status into an ApiError with the server message', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'not_found', message: 'That log session does not exist or has expired.' }));
    });
    const next = streamLines(url).next();
    await expect(next).rejects.toBeInstanceOf(ApiError);
    await expect(next).rejects.toThrow('expired');
  });
});
