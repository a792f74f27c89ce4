// Berth's router in a process of its own, so its CPU time can be read from /proc: a route table of
// N apps (`app-0` … `app-<N-1>`), all pointing at one backend, and the real LogHub for access-log lines.
import { LogHub } from '../src/logs/log-hub.js';
import { silentLogger } from '../src/platform/logger.js';
import { RouteTable } from '../src/router/route-table.js';
import { Router } from '../src/router/router.js';

const [portArg, backendArg, appsArg, logDir] = process.argv.slice(2);
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
const { port, stopped } = await router.start(controller.signal, { port: Number(portArg), host: '127.0.0.1' });
process.stdout.write(`listening ${port}\n`);
process.once('SIGTERM', () => {
  controller.abort();
  void stopped.then(() => logs.close()).then(() => process.exit(0));
});
