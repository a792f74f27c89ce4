// Before a server process creates anything (the admin user and its one-time password, the
// database, add-on servers), its listening ports are checked: a port something else holds is a
// setting to change, said in one line, and not a stack trace after half a start. It is a terminal
// error: the process exits with PORT_IN_USE_EXIT_CODE and the supervisor does not restart it.
import { createServer } from 'node:net';

/** sysexits' EX_CONFIG: the configuration is wrong, so starting again cannot help. */
export const CONFIG_ERROR_EXIT_CODE = 78;

export interface ListenPort {
  port: number;
  host: string;
  /** What listens there, for the message: "the API", "the router". */
  what: string;
  /** The environment variable that moves it. */
  setting: string;
}

export const rendezvousPort = (port: number, host: string): ListenPort =>
  ({ port, host, what: 'the one-off rendezvous', setting: 'BERTH_RENDEZVOUS_PORT' });

/** The one line saying which port is taken and what to change; undefined when every port is free. */
export async function busyPortMessage(ports: readonly ListenPort[]): Promise<string | undefined> {
  for (const p of ports) {
    if (p.port === 0) continue; // any free port: nothing to check
    const code = await tryListen(p.port, p.host);
    if (code === 'EADDRINUSE') return portInUseMessage(p);
    if (code === 'EACCES') return `berth: cannot listen on port ${p.port} for ${p.what} (ports below 1024 need root); set ${p.setting} to another port.`;
  }
  return undefined;
}

export const portInUseMessage = (p: ListenPort): string =>
  `berth: port ${p.port} (${p.what}, on ${p.host}) is already in use; set ${p.setting} to a free port, or stop what uses it.`;

/** Binds and releases the port; resolves to the error code when binding fails. */
function tryListen(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

/** Prints the message on stderr and ends the process as a configuration error. */
export function exitForConfig(message: string): never {
  process.stderr.write(message + '\n');
  process.exit(CONFIG_ERROR_EXIT_CODE);
}

/** The router's two listeners: plain HTTP and HTTPS. */
export const routerPorts = (s: { routerPort: number; routerHttpsPort: number; routerHost: string }): ListenPort[] => [
  { port: s.routerPort, host: s.routerHost, what: 'the router', setting: 'BERTH_ROUTER_PORT' },
  { port: s.routerHttpsPort, host: s.routerHost, what: 'the router\'s HTTPS', setting: 'BERTH_ROUTER_HTTPS_PORT' },
];
