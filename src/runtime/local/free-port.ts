// Picks a free loopback TCP port for an instance's $PORT by letting the kernel choose one.
import { createServer } from 'node:net';

/** A port nothing listens on right now, skipping ones already promised to other instances. */
export async function freeLoopbackPort(taken: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
    if (!taken.has(port)) return port;
  }
  throw new Error('could not find a free loopback port');
}
