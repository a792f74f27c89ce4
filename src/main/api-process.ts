// Composition root of `berth api`: the control plane (API, git, health manager, builds, add-ons,
// logs). It publishes the routes that `berth router` processes serve, over /internal/routes.
import { setMaxListeners } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApi } from '../api/api-server.js';
import { AttachSessions } from '../api/attach-sessions.js';
import { publicUrls } from '../api/public-urls.js';
import { domainRoutes } from '../api/routes/domain-routes.js';
import { sniEndpointRoutes } from '../api/routes/sni-endpoint-routes.js';
import { SecretBox } from '../platform/secret-box.js';
import { AppEdges } from '../services/app-edges.js';
import { storeDomainList } from '../services/app-domains.js';
import { StoreCertificateInstaller } from '../services/certificate-install.js';
import { deployRoutes } from '../api/routes/deploy-routes.js';
import { gitRoutes } from '../api/routes/git-routes.js';
import { internalRoutes } from '../api/routes/internal-routes.js';
import { registerDynoRoutes } from '../api/routes/dyno-routes.js';
import { logDrainRoutes } from '../api/routes/log-drain-routes.js';
import { startLogDrains } from './log-drains.js';
import type { LogDrainDeliveries } from '../services/log-drain-deliveries.js';
import { logRoutes } from '../api/routes/log-routes.js';
import { cronRoutes } from '../api/routes/cron-routes.js';
import { usageRoutes } from '../api/routes/usage-routes.js';
import { oneOffRoutes } from '../api/routes/one-off-routes.js';
import { stackRoutes } from '../api/routes/stack-routes.js';
import { nodeRoutes } from '../api/routes/node-routes.js';
import { metricsRoutes } from '../api/routes/metrics-routes.js';
import { fanOutMetrics } from '../domain/metric-samples.js';
import { InstanceSampler } from '../metrics/instance-sampler.js';
import { MetricsHistory } from '../metrics/metrics-history.js';
import { prometheusRoutes } from '../api/routes/prometheus-routes.js';
import { PrometheusExposition } from '../metrics/prometheus-exposition.js';
import { ensureScrapeToken } from '../metrics/scrape-token.js';
import { webhookRoutes } from '../api/routes/webhook-routes.js';
import { webhookPayloads } from '../api/webhook-payloads.js';
import { WebhookDispatcher } from '../services/webhook-dispatcher.js';
import { WebhookPublisher } from '../services/webhook-publisher.js';
import { httpWebhookSender } from '../services/webhook-sender.js';
import { acmRoutes } from '../api/routes/acm-routes.js';
import { acmeChallengeRoutes } from '../api/routes/acme-challenge-routes.js';
import { AcmeCa } from '../platform/acme-ca.js';
import { AcmeChallenges } from '../services/acme-challenges.js';
import { AutomaticCertificates } from '../services/automatic-certificates.js';
import { apiHttpsPort, startApiHttps, type ApiHttps } from './api-https.js';
import { GitRepos } from '../deploy/git/repo-store.js';
import { sourceCapabilityPath } from '../deploy/source-capability.js';
import { SourceStore } from '../deploy/source-store.js';
import { FleetBalancer } from '../health/fleet-balancer.js';
import { HealthManager } from '../health/health-manager.js';
import { RolloutRecorder } from '../health/rollout-recorder.js';
import { currentPrivileges } from '../platform/privileges.js';
import { InstanceOutput } from '../health/instance-output.js';
import { healthcheckProbe } from '../health/healthcheck-probe.js';
import { tcpProbe } from '../health/port-probe.js';
import { Reconciler } from '../health/reconciler.js';
import { BuildOutputs } from '../logs/build-output.js';
import { LogHub } from '../logs/log-hub.js';
import { LogSessions } from '../logs/log-session-registry.js';
import { systemClock } from '../platform/clock.js';
import { ensureInternalToken } from '../platform/internal-token.js';
import { jsonLogger } from '../platform/logger.js';
import { pathHider } from '../platform/server-paths.js';
import { RouteTable } from '../router/route-table.js';
import { ensureAdmin } from '../services/accounts.js';
import { DeployPipeline } from '../services/deploy-pipeline.js';
import { GitPushes } from '../services/git-push.js';
import { endInterruptedWork } from '../services/interrupted-work.js';
import { PLANS } from '../addons/plans.js';
import { CronScheduler } from '../services/cron-scheduler.js';
import { InstanceMeter } from '../services/instance-meter.js';
import { storeTeams } from '../services/team-lookup.js';
import { OneOffDynos } from '../services/one-off-dynos.js';
import { OneOffTable } from '../services/one-off-table.js';
import { PlatformEvents } from '../services/platform-events.js';
import { ReleaseOwner } from '../services/release-owner.js';
import type { ServiceDeps } from '../services/service-deps.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { chooseAddonNetwork } from './addon-network.js';
import { startAddons } from './addons.js';
import { installLastResort } from './last-resort.js';
import { busyPortMessage, exitForConfig, portInUseMessage, rendezvousPort, type ListenPort } from './port-preflight.js';
import { startRendezvous } from './rendezvous.js';
import { chooseRuntime } from './runtime-choice.js';
import { homePaths, readSettings } from './settings.js';

export const DEFAULT_STACK = 'berth-24';

export async function runApi(): Promise<void> {
  const privileges = currentPrivileges(); // decided once, passed to what depends on it
  const settings = readSettings(process.env, privileges);
  // Before anything is created (the admin and its one-time password above all): a taken port is one line.
  const port: ListenPort = { port: settings.apiPort, host: settings.apiHost, what: 'the API', setting: 'BERTH_API_PORT' };
  const busy = await busyPortMessage([
    port, rendezvousPort(settings.rendezvousPort, settings.apiHost),
    ...(settings.apiHttpsPort !== undefined ? [apiHttpsPort(settings.apiHttpsPort, settings.apiHost)] : []),
  ]);
  if (busy) exitForConfig(busy);
  const paths = homePaths(settings.home);
  // 0700: slugs and instance state live here, and app users must not reach them (see the local runtime).
  mkdirSync(settings.home, { recursive: true, mode: 0o700 });
  const logger = jsonLogger(undefined, { process: 'api' });
  installLastResort(logger);
  // Started by a supervisor (`berth server`): when it is gone (killed), this API goes at once too,
  // as the whole server did when it was one process: the next supervisor starts a fresh API that
  // adopts instances and cleans up after interrupted builds. The router keeps serving meanwhile.
  // Not a graceful stop: that would wait on open streams (build output, log tails) nobody ends.
  if (process.connected) {
    process.once('disconnect', () => {
      logger.warn('supervisor-gone', { pid: process.pid });
      process.exit(1);
    });
  }
  const internalToken = ensureInternalToken(paths.run);
  const controller = new AbortController();
  const { signal } = controller;
  // Every long-running part of the API (logs, sweeps, add-ons, routes, meter, health, balancer,
  // scheduler…) stops on this one signal: a dozen listeners is the design, not a leak to warn of.
  setMaxListeners(64, signal);

  const store = new SqliteStore(paths.db);
  // Measurements (instances, router minutes, builds, reconcile errors) go to every keeper through one recorder:
  // the kept history and the Prometheus exposition.
  const metricsLogger = logger.child({ component: 'metrics' });
  const history = new MetricsHistory({ rows: store.metrics, clock: systemClock, logger: metricsLogger });
  // The drains start once the API listens (below); a scrape before that finds none.
  let drains: LogDrainDeliveries | undefined;
  const prometheus = new PrometheusExposition({ appNames: (ids) => appNamesOf(store, ids), clock: systemClock, drains: () => drains?.counts() ?? [] });
  const metrics = fanOutMetrics([history, prometheus], (e) => metricsLogger.warn('metrics-recorder-failed', { error: e instanceof Error ? e.message : String(e) }));
  const logs = new LogHub({ dir: paths.logs, logger: logger.child({ component: 'logs' }), limits: settings.logHistory });
  await logs.start(signal);
  const events = new PlatformEvents();
  const { runtime, builder, fleet, reason: runtimeReason, detach: detachRuntime, sandboxGateway } = await chooseRuntime(settings, paths, logger, privileges);
  // The published routes: written by the health manager, read by routers over /internal/routes.
  const routes = new RouteTable({ baseDomain: settings.baseDomain });
  const output = new InstanceOutput({ runtime, appLog: logs, logger: logger.child({ component: 'health' }) });
  signal.addEventListener('abort', () => output.close(), { once: true });
  const healthLogger = logger.child({ component: 'health' });
  const rollouts = new RolloutRecorder({ store, events, appLog: logs, logger: healthLogger });
  // On a runtime of several nodes, the balancer says which instances should move (drain, rebalance).
  const balancer = fleet && new FleetBalancer({
    fleet, runtime, wake: (appId) => health.wake(appId), clock: systemClock, logger: healthLogger,
    // A start that fitted nowhere may fit on a node that joined or came back.
    nodesChanged: () => { for (const appId of reconciler.nodesChanged()) health.wake(appId); },
  });
  const reconciler = new Reconciler({
    store, runtime, routes, appLog: logs, clock: systemClock, logger: healthLogger, probe: tcpProbe, healthchecks: healthcheckProbe(tcpProbe),
    bootTimeoutMs: settings.bootTimeoutMs, output, rollouts, moves: balancer, events,
  });
  const health = new HealthManager({ store, runtime, events, reconciler, clock: systemClock, logger, metrics });
  events.on((e) => { if (e.type === 'app-destroyed') void history.forgetApp(e.appId).catch((err: Error) => logger.warn('app-metrics-remain', { app: e.appId, error: err.message })); });
  events.on((e) => { if (e.type === 'app-destroyed') prometheus.forgetApp(e.appId); });
  events.on((e) => { if (e.type === 'app-destroyed') void logs.forgetApp(e.appId).catch((err: Error) => logger.warn('app-logs-remain', { app: e.appId, error: err.message })); });

  // What a tenant may read never names where Berth keeps its state or where Berth itself is installed.
  const hidePaths = pathHider({ '<BERTH_HOME>': settings.home, '<berth>': fileURLToPath(new URL('../..', import.meta.url)) });
  // One-offs are not adopted across a restart: their caller (a terminal, a log stream) is gone,
  // and one nobody tracks would escape the per-app cap, the lifetime and app destroy.
  const leftoverOneOffs = await runtime.stopLeftoverOneOffs();
  if (leftoverOneOffs > 0) logger.warn('one-offs-left-by-earlier-process-stopped', { count: leftoverOneOffs });
  const oneOffs = new OneOffTable();
  const releaseOwner = new ReleaseOwner({ store, clock: systemClock, events, logger: logger.child({ component: 'releases' }), releaseTimeoutMs: settings.releaseTimeoutMs });
  // Metering reads teams through this one port; the teams store answers it.
  const teams = storeTeams(store);
  const deps: ServiceDeps = { store, clock: systemClock, events, logger, appLog: logs, dynos: health, oneOffs, releaseOwner, defaultStack: DEFAULT_STACK, hidePaths, teams, outbound: settings.outbound };
  const admin = await ensureAdmin(deps, { email: settings.adminEmail, password: settings.adminPassword });
  if (admin) announceAdmin(admin, settings.apiUrl);

  const sources = new SourceStore(paths.sources, { clock: systemClock });
  // Uploads nobody built within an hour are removed (built ones go as soon as their build ends).
  sources.start(signal, { everyMs: 10 * 60_000, onError: (e) => logger.warn('source-sweep-failed', { error: e.message }) });
  const outputs = new BuildOutputs(paths.builds, { onFault: (build, e) => logger.error('build-output-failed', { build, error: e.message }) });
  // App webhooks: events are stored with their deliveries as they happen (publisher), and sent off
  // the request path by the dispatcher, which resumes stored pending deliveries after a restart.
  // Listening before interrupted work is ended, so its endings reach webhooks too.
  const secrets = SecretBox.forHome(settings.home);
  const webhookLogger = logger.child({ component: 'webhooks' });
  const dispatcher = new WebhookDispatcher({ store, clock: systemClock, logger: webhookLogger, secrets, sender: httpWebhookSender(settings.outbound), metrics });
  new WebhookPublisher({ store, clock: systemClock, logger: webhookLogger, present: webhookPayloads({ store, apiUrl: settings.apiUrl }), wake: () => dispatcher.wake() }).listen(events);
  // Before the API listens: builds and releases a dead server left half done end now, as failed.
  await endInterruptedWork({ store, events, logger, outputs, buildsDir: paths.builds });
  const addonNetwork = await chooseAddonNetwork(runtime.name, logger.child({ component: 'addons' }), {
    sandboxGateway: await sandboxGateway(),
    ...(settings.swarmRegistry ? { swarm: { host: settings.swarmRegistry.host, ...(settings.swarmNodeNetworks ? { nodeNetworks: settings.swarmNodeNetworks } : {}) } } : {}),
  });
  const addons = await startAddons(deps, { home: settings.home, backupsDir: paths.backups, signal, network: addonNetwork, pgMaxConnections: settings.pgMaxConnections });
  const oneOffDynos = new OneOffDynos({ ...deps, runtime, oneOffs, maxLifetimeMs: settings.oneOffMaxLifetimeMs });
  const pipeline = new DeployPipeline({
    ...deps, runtime, builder, sources, outputs, paths: { builds: paths.builds }, addons: addons.addonDeps, oneOffDynos,
    maxConcurrentBuilds: settings.buildConcurrency, launchTimeoutMs: settings.bootTimeoutMs + 5000, metrics,
  });
  const urls = publicUrls({ apiUrl: settings.apiUrl, baseDomain: settings.baseDomain, routerPort: settings.routerPort });
  const repos = new GitRepos(paths.repos);
  events.on((e) => { if (e.type === 'app-destroyed') void repos.remove(e.appId).catch((err: Error) => logger.warn('git-repo-remains', { app: e.appId, error: err.message })); });
  events.on((e) => { if (e.type === 'app-destroyed') void builder.forgetApp(e.appId, e.built).catch((err: Error) => logger.warn('build-leftovers-remain', { app: e.appId, error: err.message })); });
  const pushes = new GitPushes({
    ...deps, pipeline, sources, outputs, repos, sourceUrl: (id, secret) => urls.api + sourceCapabilityPath(id, secret), webUrl: urls.web,
    rolloutTimeoutMs: settings.bootTimeoutMs + 5000,
  });
  const scheduler = new CronScheduler({ ...deps, logger: logger.child({ component: 'cron' }), oneOffDynos });
  const attachSessions = new AttachSessions(oneOffDynos);
  const rendezvous = await startRendezvous({
    apiUrl: settings.apiUrl, host: settings.apiHost, port: settings.rendezvousPort, tlsDir: paths.tls,
    sessions: attachSessions, oneOffs: oneOffDynos, logger: logger.child({ component: 'rendezvous' }),
  });
  // Custom domains and certificates: the routers hear of them with the routes (keys stay sealed).
  const edges = new AppEdges({ store, events, logger: logger.child({ component: 'edges' }) });
  await edges.start(signal);
  // Automatic certificates: orders placed by this process, their HTTP-01 answers served by the
  // router through /internal/acme-challenges; issued certificates go to the certificate store, and a
  // domain added or removed is looked at at once.
  const acmeChallenges = new AcmeChallenges();
  const certificatePorts = { certificates: new StoreCertificateInstaller({ store, clock: systemClock, events, sealer: secrets }), domains: storeDomainList(store) };
  const automaticCertificates = new AutomaticCertificates({
    acme: store.acme, challenges: acmeChallenges, ...certificatePorts, secrets,
    ca: new AcmeCa({
      directoryUrl: settings.acmeDirectoryUrl, contactEmail: settings.acmeEmail,
      ...(settings.acmeCaBundle ? { caBundle: readCaBundle(settings.acmeCaBundle) } : {}),
    }),
    clock: systemClock, logger: logger.child({ component: 'acme' }), appLog: logs, checkEveryMs: settings.acmeCheckEveryMs,
  });
  const api = buildApi({ ...deps, urls }, [
    domainRoutes({ baseDomain: settings.baseDomain }),
    sniEndpointRoutes({ sealer: secrets }),
    acmRoutes({ automatic: automaticCertificates, domains: certificatePorts.domains }),
    acmeChallengeRoutes({ token: internalToken, challenges: acmeChallenges }),
    deployRoutes({ sources, outputs, pipeline }),
    gitRoutes({ pushes }),
    registerDynoRoutes,
    oneOffRoutes({ oneOffs: oneOffDynos, sessions: attachSessions, rendezvousUrl: rendezvous.url }),
    cronRoutes({ scheduler }),
    usageRoutes({ teams, plans: PLANS.map((p) => p.name) }),
    stackRoutes({ builder, outputs }),
    nodeRoutes({ fleet }),
    metricsRoutes({ history }),
    prometheusRoutes({ exposition: prometheus, scrapeToken: ensureScrapeToken(settings.home) }),
    webhookRoutes({ secrets }),
    addons.routes,
    logRoutes({ hub: logs, sessions: new LogSessions(), signal }),
    internalRoutes({ token: internalToken, routes, edges, synced: () => health.synced(), logSink: logs, routerUsage: (counts) => store.usage.addRouterBytes(counts), metrics, signal }),
    logDrainRoutes,
  ]);

  // Before the health manager, which removes exited instances: the meter first reads their exit times.
  await new InstanceMeter({ store, runtime, clock: systemClock, logger: logger.child({ component: 'meter' }) }).start(signal);
  await health.start(signal);
  // Restarts are the crash tracker's count (one owner); the history writes a last time when stopped.
  const sampler = new InstanceSampler({ runtime, recorder: metrics, restarts: (appId, dyno) => reconciler.crashes.restartsOf(appId, dyno), clock: systemClock, logger: metricsLogger });
  void sampler.start(signal).catch((e: Error) => logger.error('metrics-sampler-stopped', { error: e.stack ?? e.message }));
  const historyStopped = history.start(signal).catch((e: Error) => logger.error('metrics-history-stopped', { error: e.stack ?? e.message }));
  if (balancer) events.on((e) => { if (e.type === 'nodes-changed') balancer.wake(); });
  if (balancer) void balancer.start(signal).catch((e: Error) => logger.error('fleet-balancer-stopped', { error: e.stack ?? e.message }));
  // Every stored drain resumes before the API listens, so no line written from now on misses it.
  drains = await startLogDrains({ settings, store, events, logs, logger }, signal);
  // Scheduled jobs run once the health manager runs; its first pass is the catch-up after a restart.
  void dispatcher.start(signal).catch((e: Error) => logger.error('webhook-dispatcher-stopped', { error: e.stack ?? e.message }));
  void scheduler.start(signal).catch((e: Error) => logger.error('cron-scheduler-stopped', { error: e.stack ?? e.message }));
  await api.listen({ port: settings.apiPort, host: settings.apiHost }).catch((e: NodeJS.ErrnoException) => {
    // Taken since the check above (another process was quicker): still a setting to change, not a crash.
    if (e.code === 'EADDRINUSE') exitForConfig(portInUseMessage(port));
    throw e;
  });
  const https: ApiHttps | undefined = settings.apiHttpsPort === undefined ? undefined : await startApiHttps({
    api, apiUrl: settings.apiUrl, host: settings.apiHost, port: settings.apiHttpsPort, tlsDir: paths.tls,
    ...(settings.apiTls ? { operatorTls: settings.apiTls } : {}), logger: logger.child({ component: 'api-https' }),
  });
  events.on((e) => { if (e.type === 'edge-changed') automaticCertificates.wake(); });
  void automaticCertificates.start(signal).catch((e: Error) => logger.error('automatic-certificates-stopped', { error: e.stack ?? e.message }));
  logger.info('api-started', { api: settings.apiUrl, runtime: runtime.name, home: settings.home });
  process.stdout.write(`Berth API is up: ${settings.apiUrl} (runtime ${runtime.name}: ${runtimeReason}, BERTH_HOME=${settings.home})\n`);
  if (https) process.stdout.write(`Berth API over HTTPS: ${https.url} (certificate ${https.certFile}, SHA-256 fingerprint ${https.fingerprint})\n`);

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('api-stopping', { signal: why });
    controller.abort();
    await https?.close();
    await api.close();
    await rendezvous.close();
    await health.whenIdle();
    await historyStopped;
    // Instances keep running; the next API adopts them.
    detachRuntime();
    await logs.close();
    await store.close();
    process.exit(0);
  };
  const stopNow = (why: string) => stop(why).catch((e: Error) => {
    logger.error('api-stop-failed', { error: e.stack ?? e.message });
    process.exit(1);
  });
  process.once('SIGINT', () => void stopNow('SIGINT'));
  process.once('SIGTERM', () => void stopNow('SIGTERM'));
}

/** The current names of these apps; a destroyed one is missing. */
async function appNamesOf(store: SqliteStore, ids: readonly string[]): Promise<Map<string, string>> {
  const apps = await Promise.all(ids.map((id) => store.apps.byId(id)));
  return new Map(apps.filter((a) => a !== undefined).map((a) => [a.id, a.name]));
}

/** BERTH_ACME_CA_BUNDLE's file; one that cannot be read is a setting to fix, said in one line. */
function readCaBundle(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    exitForConfig(`berth: BERTH_ACME_CA_BUNDLE names ${file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
}

function announceAdmin(admin: { email: string; generatedPassword?: string }, apiUrl: string): void {
  const lines = [
    '',
    `Created the admin user ${admin.email}.`,
    admin.generatedPassword
      ? `Its password, shown only this once: ${admin.generatedPassword}`
      : 'Its password is the one in BERTH_ADMIN_PASSWORD.',
    `Log in with:  npx berth login --email ${admin.email}${apiUrl === 'http://localhost:5000' ? '' : `   (BERTH_API_URL=${apiUrl})`}`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
