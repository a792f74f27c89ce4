// The HTTPS drain receiver of the drains benchmark, in a process of its own so its CPU is not Berth's:
// counts the logplex messages it is POSTed (Logplex-Msg-Count) and answers GET /count.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

const [certFile, keyFile] = process.argv.slice(2);
let count = 0;
const server = createServer({ cert: readFileSync(certFile!), key: readFileSync(keyFile!) }, (req, res) => {
  req.on('error', () => res.destroy());
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST') count += Number(req.headers['logplex-msg-count'] ?? 0);
    res.end(req.method === 'GET' ? String(count) : undefined);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
