// Composition root of `berth router`: the data plane alone. It serves the routes it last got from
// the control plane (`berth api`, over /internal/routes) and keeps serving them while the API is
// down or restarting; its access-log lines travel back to the API's log hub.
import { mkdirSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { systemClock } from '../platform/clock.js';
import { ensureInternalToken } from '../platform/internal-token.js';
import { jsonLogger, type Logger } from '../platform/logger.js';
import { SecretBox } from '../platform/secret-box.js';
import { ensureSelfSignedCertificate } from '../platform/self-signed-certificate.js';
import { internalAcmeChallengeLookup } from '../router/acme-challenge-answer.js';
import { httpLogDelivery, LogShipper } from '../router/log-shipper.js';
import { RouteFeedClient } from '../router/route-feed-client.js';
import { RouteSnapshotFile } from '../router/route-snapshot-file.js';
import { RouteTable } from '../router/route-table.js';
import { Router } from '../router/router.js';
import { RouterMinutes } from '../router/router-minutes.js';
import { TlsCertificates } from '../router/tls-certificates.js';
import { installLastResort } from './last-resort.js';
import { removePidFile, writePidFile } from './pid-files.js';
import { busyPortMessage, exitForConfig, portInUseMessage, routerPorts } from './port-preflight.js';
import { homePaths, readSettings } from './settings.js';

export const routeSnapshotPath = (runDir: string): string => join(runDir, 'routes.json');

export async function runRouter(): Promise<void> {
  // A supervisor that died leaves our stdout and stderr pipes without a reader: a failed log
  // write must not end the process that serves every app.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const settings = readSettings();
  const ports = routerPorts(settings);
  const busy = await busyPortMessage(ports);
  if (busy) exitForConfig(busy);
  const paths = homePaths(settings.home);
  mkdirSync(settings.home, { recursive: true, mode: 0o700 });
  const logger = jsonLogger(undefined, { process: 'router' });
  // An error that escaped every handler: logged; an uncaught exception ends the router, which the
  // supervisor restarts from run/routes.json (a rejection is logged and serving goes on).
  installLastResort(logger);
  const token = ensureInternalToken(paths.run);
  const controller = new AbortController();
  const { signal } = controller;

  const table = new RouteTable({ baseDomain: settings.baseDomain });
  const snapshot = new RouteSnapshotFile(routeSnapshotPath(paths.run));
  try {
    const saved = snapshot.load();
    if (saved) table.replaceAll(saved.routes, saved.edges);
    logger.info('routes-restored', { routes: saved?.routes.length ?? 0, edges: saved?.edges?.length ?? 0, from: snapshot.path });
  } catch (e) {
    logger.warn('route-snapshot-unreadable', { path: snapshot.path, error: (e as Error).message });
  }
  // Saved once per burst of changes (one event-loop turn), not once per change.
  let saveQueued = false;
  const saveSoon = () => {
    if (saveQueued) return;
    saveQueued = true;
    setImmediate(() => {
      saveQueued = false;
      try {
        snapshot.save({ routes: table.entries(), edges: table.edgeEntries() });
      } catch (e) {
        logger.warn('route-snapshot-save-failed', { path: snapshot.path, error: (e as Error).message });
      }
    });
  };

  // Requests are added up per app per minute (metrics, and the meter's router bytes); the minutes go back with the log lines.
  const minutes = new RouterMinutes(systemClock);
  const shipper = new LogShipper({ deliver: httpLogDelivery(settings.internalApiUrl, token), clock: systemClock, logger: logger.child({ component: 'router-logs' }), minutes });
  const feed = new RouteFeedClient({ apiUrl: settings.internalApiUrl, token, table, clock: systemClock, logger: logger.child({ component: 'route-feed' }), onTable: saveSoon });
  // ACME HTTP-01 answers come from the API that placed the order (see acme-challenge-answer.ts).
  const router = new Router({ routes: table, logSink: shipper, metrics: minutes, logger, acmeChallenges: internalAcmeChallengeLookup(settings.internalApiUrl, token) });
  const certificates = await routerCertificates(table, settings.home, paths.tls, settings.routerTls, logger);
  const https = { port: settings.routerHttpsPort, host: settings.routerHost, certificates, publicPort: settings.routerHttpsPublicPort };
  const { stopped, httpsPort } = await router.start(signal, { port: settings.routerPort, host: settings.routerHost, https }).catch((e: NodeJS.ErrnoException) => {
    // Taken since the check above: a setting to change, and the supervisor does not restart us for it.
    if (e.code === 'EADDRINUSE') exitForConfig(portInUseMessage(ports.find((p) => e.message.includes(`:${p.port}`)) ?? ports[0]!));
    throw e;
  });
  // Written by the router itself too (not only by a supervisor), so that a supervisor started
  // later adopts a router an operator started on its own.
  try {
    writePidFile(paths.run, 'router', process.pid);
  } catch (e) {
    logger.warn('pid-file-write-failed', { error: (e as Error).message });
  }
  const shipping = shipper.start(signal).catch((e: Error) => logger.error('router-log-shipper-failed', { error: e.message }));
  const following = feed.start(signal).catch((e: Error) => logger.error('route-feed-failed', { error: e.message }));
  process.stdout.write(`Berth router is up: apps at http://<app>.${settings.baseDomain}:${settings.routerPort}/ and HTTPS on port ${httpsPort} (routes from ${settings.internalApiUrl})\n`);

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('router-stopping', { signal: why });
    controller.abort();
    await stopped;
    await Promise.all([following, shipping]);
    removePidFile(paths.run, 'router', process.pid);
    process.exit(0);
  };
  const stopNow = (why: string) => void stop(why).catch((e: Error) => {
    logger.error('router-stop-failed', { error: e.message });
    process.exit(1);
  });
  process.once('SIGINT', () => stopNow('SIGINT'));
  process.once('SIGTERM', () => stopNow('SIGTERM'));
}

/**
 * The router's certificates: each app's from the route feed (keys sealed, opened here with the
 * SecretBox of this BERTH_HOME, so the router needs the API neither to start nor to serve), and a
 * default for names no app's certificate covers: the operator's (BERTH_ROUTER_TLS_CERT/KEY, a
 * wildcard for the base domain), else Berth's own self-signed one (BERTH_HOME/tls/router-default.crt).
 */
async function routerCertificates(table: RouteTable, home: string, tlsDir: string, operator: { certFile: string; keyFile: string } | undefined, logger: Logger): Promise<TlsCertificates> {
  const box = SecretBox.forHome(home);
  const fallback = operator ? operatorCertificate(operator) : await selfSignedDefault(tlsDir);
  logger.info('router-default-certificate', { from: operator ? operator.certFile : 'self-signed', subject: new X509Certificate(fallback.cert).subject.replace(/\n/g, ', ') });
  return new TlsCertificates({ routes: table, openKey: (sealed) => box.open(sealed), logger: logger.child({ component: 'router-tls' }), fallback });
}

/** The operator's chain and key, read and checked at start: a wrong file is a setting to fix, not a crash to restart. */
function operatorCertificate(files: { certFile: string; keyFile: string }): { cert: string; key: string } {
  try {
    const pair = { cert: readFileSync(files.certFile, 'utf8'), key: readFileSync(files.keyFile, 'utf8') };
    createSecureContext(pair); // throws when the key is not the certificate's, or either is not PEM
    return pair;
  } catch (e) {
    return exitForConfig(`BERTH_ROUTER_TLS_CERT ${files.certFile} and BERTH_ROUTER_TLS_KEY ${files.keyFile} cannot be served: ${(e as Error).message}`);
  }
}

async function selfSignedDefault(tlsDir: string): Promise<{ cert: string; key: string }> {
  const files = { certFile: join(tlsDir, 'router-default.crt'), keyFile: join(tlsDir, 'router-default.key'), commonName: 'berth-router-default' };
  const made = await ensureSelfSignedCertificate(files);
  if (!made.ok) throw new Error(`the router's default TLS certificate could not be made: ${made.reason}`);
  return { cert: readFileSync(files.certFile, 'utf8'), key: readFileSync(files.keyFile, 'utf8') };
}
