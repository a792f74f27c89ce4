// The server roles of the `berth` command: `server` supervises an `api` and a `router` process;
// each of those can also run on its own (e.g. under systemd, or the router on another host).
// Each role loads only its own modules: the router and the supervisor stay small processes.

export async function runServer(role: string, _args: string[]): Promise<void> {
  switch (role) {
    case 'server':
      return (await import('./supervisor.js')).runSupervisor();
    case 'api':
      return (await import('./api-process.js')).runApi();
    case 'router':
      return (await import('./router-process.js')).runRouter();
    default:
      process.stderr.write(`berth ${role}: not available yet; run \`berth server\` to start the API and the router.\n`);
      process.exitCode = 2;
  }
}
