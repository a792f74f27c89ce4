// The server roles of the `berth` command: `server` supervises an `api` and a `router` process;
// each of those can also run on its own (e.g. under systemd, or the router on another host).
import { runApi } from './api-process.js';
import { runRouter } from './router-process.js';
import { runSupervisor } from './supervisor.js';

export { DEFAULT_STACK } from './api-process.js';

export async function runServer(role: string, _args: string[]): Promise<void> {
  switch (role) {
    case 'server':
      return runSupervisor();
    case 'api':
      return runApi();
    case 'router':
      return runRouter();
    default:
      process.stderr.write(`berth ${role}: not available yet; run \`berth server\` to start the API and the router.\n`);
      process.exitCode = 2;
  }
}
