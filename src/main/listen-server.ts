// Starts a server listening and settles once it does, or with the listen error (a taken port), so the
// caller can say which setting to change.
import type { Server } from 'node:net';

export function listenServer(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
