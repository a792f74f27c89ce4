#!/usr/bin/env node
// Entry point of the `berth` command: server roles go to the composition root, everything else to the CLI.
const serverRoles = new Set(['server', 'api', 'router', 'agent']);
const role = process.argv[2];
if (role && serverRoles.has(role)) {
  const { runServer } = await import('../dist/main/server.js');
  await runServer(role, process.argv.slice(3));
} else {
  const { runCli } = await import('../dist/main/cli.js');
  process.exitCode = await runCli(process.argv.slice(2));
}
