// The minimal app behind every proxy in the router benchmark: a tiny HTTP body and a websocket echo.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const body = Buffer.from('ok\n');
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 120_000;
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => {
  for (const c of wss.clients) c.terminate();
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
