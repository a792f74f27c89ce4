// Full TLS handshakes against a listener for a while, `concurrency` at a time, no session reuse:
// each one costs the server a key exchange and a signature, which is what the row measures.
import { connect } from 'node:tls';

export async function tlsHandshakes(o: { port: number; servername: string; seconds: number; concurrency: number }): Promise<{ handshakes: number; errors: number }> {
  const until = Date.now() + o.seconds * 1000;
  let handshakes = 0;
  let errors = 0;
  const one = () => new Promise<void>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: o.port, servername: o.servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      handshakes++;
      socket.destroy();
      resolve();
    });
    socket.on('error', () => {
      errors++;
      resolve();
    });
  });
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (Date.now() < until) await one();
  }));
  return { handshakes, errors };
}
