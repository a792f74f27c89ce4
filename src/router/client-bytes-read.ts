// Bytes in per request, read from the client connection's own counter: each request is charged what
// the connection read since the previous request on it was charged, so every byte a client sends is
// counted once however the requests of a keep-alive connection are split. (Pipelined requests may
// shift a few bytes to the request before theirs; the per-app total stays exact.)
import type { Socket } from 'node:net';

export class ClientBytesRead {
  private readonly charged = new WeakMap<Socket, number>();

  /** What `socket` read since the last call for it (all it read, the first time). */
  take(socket: Socket | null | undefined): number {
    if (!socket) return 0;
    const total = socket.bytesRead;
    const before = this.charged.get(socket) ?? 0;
    this.charged.set(socket, total);
    return Math.max(0, total - before);
  }
}
