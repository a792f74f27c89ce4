// `berth server` (and `npm start`): the embedded default as a small supervisor of two processes,
// `berth router` (the data plane) and `berth api` (everything else). It restarts a child that
// exits unexpectedly, stops the API and then the router on SIGTERM/SIGINT, and keeps their pid
// files. If the supervisor itself dies, the API follows it (IPC disconnect) but the router keeps
// serving; the next supervisor adopts that router instead of starting a second one.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock } from '../platform/clock.js';
import { jsonLogger, type Logger } from '../platform/logger.js';
import { isAlive, isBerthProcess, readPidFile, removePidFile, writePidFile, type ProcessRole } from './pid-files.js';
import { apiHttpsPort } from './api-https.js';
import { busyPortMessage, CONFIG_ERROR_EXIT_CODE, exitForConfig, rendezvousPort, routerPorts, type ListenPort } from './port-preflight.js';
import { homePaths, readSettings } from './settings.js';
import { SupervisedChild, type ChildExit, type ChildHandle } from './supervised-child.js';

const BIN = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));
/** How long a child gets to stop on SIGTERM before SIGKILL (the router drains for up to 10 s). */
const STOP_GRACE_MS = 15_000;

export async function runSupervisor(): Promise<void> {
  const settings = readSettings();
  const { run } = homePaths(settings.home);
  const logger = jsonLogger(undefined, { process: 'supervisor' });
  const home = process.env.BERTH_HOME;
  const controller = new AbortController();

  await waitForLeftoverApi(run, home, systemClock, logger);
  // Both ports before any child starts: the API would otherwise create the admin (and print its
  // one-time password) before it fails to listen. A router left running is adopted, so its port is ours.
  const ports: ListenPort[] = [
    { port: settings.apiPort, host: settings.apiHost, what: 'the API', setting: 'BERTH_API_PORT' },
    rendezvousPort(settings.rendezvousPort, settings.apiHost),
    ...(settings.apiHttpsPort !== undefined ? [apiHttpsPort(settings.apiHttpsPort, settings.apiHost)] : []),
  ];
  if (!adoptableRouter(run, home)) ports.push(...routerPorts(settings));
  const busy = await busyPortMessage(ports);
  if (busy) exitForConfig(busy);
  mkdirSync(settings.home, { recursive: true, mode: 0o700 });
  mkdirSync(run, { recursive: true, mode: 0o700 });
  const supervise = (role: ProcessRole) => new SupervisedChild({
    role,
    spawn: () => spawnRole(role),
    adopt: role === 'router' ? () => adoptRouter(run, home, systemClock, controller.signal) : undefined,
    onStarted: (child) => {
      // A pid file that cannot be written costs adoption later, never the supervision now.
      try {
        writePidFile(run, role, child.pid);
      } catch (e) {
        logger.warn('pid-file-write-failed', { role, error: (e as Error).message });
      }
    },
    clock: systemClock,
    logger,
    // A child that found its port taken (between our check and its listen) said so; restarting cannot help.
    terminalExitCode: CONFIG_ERROR_EXIT_CODE,
  });
  const router = supervise('router');
  const api = supervise('api');
  const running = [router, api].map((c) => c.run(controller.signal).then((terminal) => {
    // The child printed why; the whole server stops with the same exit code instead of half running.
    if (terminal) stopNow('terminal-child-exit', CONFIG_ERROR_EXIT_CODE);
  }, (e: Error) => logger.error('supervise-failed', { error: e.stack ?? e.message })));
  logger.info('supervisor-started', { pid: process.pid, home: settings.home });

  let stopping = false;
  const stop = async (why: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info('supervisor-stopping', { signal: why });
    controller.abort();
    // The API first, so nothing publishes routes to a router that is already gone.
    for (const [child, role] of [[api, 'api'], [router, 'router']] as const) {
      const pid = child.pid;
      await child.stop(STOP_GRACE_MS);
      if (pid) removePidFile(run, role, pid);
    }
    await Promise.all(running);
    process.exit(exitCode);
  };
  const stopNow = (why: string, exitCode = 0) => void stop(why, exitCode).catch((e: Error) => {
    logger.error('supervisor-stop-failed', { error: e.stack ?? e.message });
    process.exit(1);
  });
  process.once('SIGINT', () => stopNow('SIGINT'));
  process.once('SIGTERM', () => stopNow('SIGTERM'));
}

function spawnRole(role: ProcessRole): ChildHandle {
  // Own process group: a terminal's Ctrl-C reaches only the supervisor, which stops the API
  // before the router. The API gets an IPC channel only so that it notices the supervisor's end.
  const child = spawn(process.execPath, [BIN, role], {
    env: process.env,
    stdio: role === 'api' ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (e) => {
      // Spawn failed: there will be no exit event.
      if (child.pid === undefined) resolve({ code: null, signal: `spawn failed: ${e.message}` });
    });
  });
  if (role === 'api') child.on('disconnect', () => undefined);
  return { pid: child.pid ?? -1, exited, kill: (signal) => void child.kill(signal) };
}

/** The pid of a router an earlier supervisor left running for this home, if there is one. */
function adoptableRouter(run: string, home: string | undefined): number | undefined {
  const pid = readPidFile(run, 'router');
  return pid && isAlive(pid) && isBerthProcess(pid, 'router', home) ? pid : undefined;
}

/** A router an earlier supervisor left running for this home, followed by polling its pid. */
function adoptRouter(run: string, home: string | undefined, clock: Clock, signal: AbortSignal): ChildHandle | undefined {
  const pid = adoptableRouter(run, home);
  if (!pid) return undefined;
  const exited = (async (): Promise<ChildExit> => {
    // Not our child: no exit event, so its liveness is polled (also after our own stop began).
    while (isAlive(pid) && isBerthProcess(pid, 'router', home)) await clock.sleep(250).catch(() => undefined);
    return { code: null, signal: signal.aborted ? 'stopped' : 'unknown (adopted process)' };
  })();
  return { pid, exited, kill: (sig) => { try { process.kill(pid, sig); } catch { /* already gone */ } } };
}

/**
 * An API left by a supervisor that died exits by itself (its IPC channel closed), but may still
 * hold the API port for a moment: wait for it, and end it if it lingers.
 */
async function waitForLeftoverApi(run: string, home: string | undefined, clock: Clock, logger: Logger): Promise<void> {
  const pid = readPidFile(run, 'api');
  if (!pid || !isAlive(pid) || !isBerthProcess(pid, 'api', home)) return;
  logger.warn('api-left-by-earlier-supervisor', { pid });
  const deadline = clock.now() + STOP_GRACE_MS;
  while (isAlive(pid) && clock.now() < deadline) await clock.sleep(100);
  if (isAlive(pid)) {
    logger.warn('api-left-by-earlier-supervisor-killed', { pid });
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
  }
}
