// Berth's router in a process of its own, so its CPU time can be read from /proc: a route table of
// N apps (`app-0` … `app-<N-1>`), all pointing at one backend, and the real LogHub for access-log lines.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LogHub } from '../src/logs/log-hub.js';
import { SecretBox } from '../src/platform/secret-box.js';
import { silentLogger } from '../src/platform/logger.js';
import { RouteTable } from '../src/router/route-table.js';
import { Router, type HttpsListenOptions } from '../src/router/router.js';
import { TlsCertificates } from '../src/router/tls-certificates.js';

// Optional: an HTTPS port and a certificate for `app-0.bench.test` (app-0's custom domain), served by SNI.
const [portArg, backendArg, appsArg, logDir, httpsArg, certFile, keyFile] = process.argv.slice(2);
if (!portArg || !backendArg || !appsArg || !logDir) {
  process.stderr.write('usage: router-driver <port> <backend-port> <apps> <log-dir>\n');
  process.exit(2);
}
const controller = new AbortController();
const routes = new RouteTable({ baseDomain: 'localhost' });
for (let i = 0; i < Number(appsArg); i++) {
  routes.set({
    appId: `app-id-${i}`, appName: `app-${i}`, maintenance: false, crashed: false,
    backends: [{ instanceId: `instance-${i}`, dyno: 'web.1', host: '127.0.0.1', port: Number(backendArg) }],
  });
}
const logs = new LogHub({ dir: logDir, logger: silentLogger });
await logs.start(controller.signal);
const router = new Router({ routes, logSink: logs, logger: silentLogger });
let https: HttpsListenOptions | undefined;
if (httpsArg && certFile && keyFile) {
  const [cert, key] = [readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8')];
  const box = SecretBox.fromKey(randomBytes(32));
  routes.setEdge('app-id-0', {
    appId: 'app-id-0', domains: [{ hostname: 'app-0.bench.test', certificateId: 'bench' }], httpRedirect: false, hsts: false,
    certificates: [{ id: 'bench', hostnames: ['app-0.bench.test'], certificateChain: cert, sealedPrivateKey: box.seal(key), expiresAt: '2099-01-01T00:00:00.000Z' }],
  });
  https = { port: Number(httpsArg), host: '127.0.0.1', certificates: new TlsCertificates({ routes, openKey: (s) => box.open(s), fallback: { cert, key }, logger: silentLogger }) };
}
const { port, stopped } = await router.start(controller.signal, { port: Number(portArg), host: '127.0.0.1', ...(https ? { https } : {}) });
process.stdout.write(`listening ${port}\n`);
process.once('SIGTERM', () => {
  controller.abort();
  void stopped.then(() => logs.close()).then(() => process.exit(0));
});
