// The whole API in-process, every route module registered as the API process does, with the SQLite
// store, the fake runtime and a fake broker: for tests that must see every endpoint (the authorization
// matrix) without a server process, a container or a database server.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiExtension } from '../../src/api/api-server.js';
import { AttachSessions } from '../../src/api/attach-sessions.js';
import { acmRoutes } from '../../src/api/routes/acm-routes.js';
import { acmeChallengeRoutes } from '../../src/api/routes/acme-challenge-routes.js';
import { addonRoutes } from '../../src/api/routes/addon-routes.js';
import { AcmeChallenges } from '../../src/services/acme-challenges.js';
import { MemoryDomains } from '../../src/services/testing/memory-certificates.js';
import { cronRoutes } from '../../src/api/routes/cron-routes.js';
import { deployRoutes } from '../../src/api/routes/deploy-routes.js';
import { domainRoutes } from '../../src/api/routes/domain-routes.js';
import { sniEndpointRoutes } from '../../src/api/routes/sni-endpoint-routes.js';
import { SecretBox } from '../../src/platform/secret-box.js';
import { registerDynoRoutes } from '../../src/api/routes/dyno-routes.js';
import { gitRoutes } from '../../src/api/routes/git-routes.js';
import { internalRoutes } from '../../src/api/routes/internal-routes.js';
import { logDrainRoutes } from '../../src/api/routes/log-drain-routes.js';
import { logRoutes } from '../../src/api/routes/log-routes.js';
import { nodeRoutes } from '../../src/api/routes/node-routes.js';
import { oneOffRoutes } from '../../src/api/routes/one-off-routes.js';
import { prometheusRoutes } from '../../src/api/routes/prometheus-routes.js';
import { stackRoutes } from '../../src/api/routes/stack-routes.js';
import { usageRoutes } from '../../src/api/routes/usage-routes.js';
import { metricsRoutes } from '../../src/api/routes/metrics-routes.js';
import { MetricsHistory } from '../../src/metrics/metrics-history.js';
import { silentLogger } from '../../src/platform/logger.js';
import { webhookRoutes } from '../../src/api/routes/webhook-routes.js';
import { storeTeams } from '../../src/services/team-lookup.js';
import { BrokerRegistry } from '../../src/addons/broker-registry.js';
import { PLANS, PlanCatalog } from '../../src/addons/plans.js';
import { FakeBroker } from '../../src/addons/testing/fake-broker.js';
import type { AppBuilder } from '../../src/build/app-builder.js';
import { GitRepos } from '../../src/deploy/git/repo-store.js';
import { SourceStore } from '../../src/deploy/source-store.js';
import { FakeFleet } from '../../src/health/testing/fake-fleet.js';
import { FakeRuntime } from '../../src/health/testing/fake-runtime.js';
import { BuildOutputs } from '../../src/logs/build-output.js';
import { LogHub } from '../../src/logs/log-hub.js';
import { LogSessions } from '../../src/logs/log-session-registry.js';
import { CronScheduler } from '../../src/services/cron-scheduler.js';
import { DeployPipeline } from '../../src/services/deploy-pipeline.js';
import { GitPushes } from '../../src/services/git-push.js';
import { OneOffDynos } from '../../src/services/one-off-dynos.js';
import { OneOffTable } from '../../src/services/one-off-table.js';
import { startTestApi, type TestApi } from './test-api.js';

/** A builder that refuses every build: the tests using this API check who may ask, not what gets built. */
const refusingBuilder: AppBuilder = {
  produces: 'slug',
  build: async () => { throw new Error('no builds in this test'); },
  fromImage: async () => { throw new Error('no builds in this test'); },
  buildStack: async () => undefined,
  forgetApp: async () => undefined,
  prune: async () => undefined,
};

export const INTERNAL_TOKEN = 'internal-test-token';

export async function startFullApi(home: string, signal: AbortSignal): Promise<TestApi> {
  const full: ApiExtension = (app, ctx) => {
    // No health manager here: dynos are read from an empty directory, as of an app with none running.
    ctx.dynos = { list: async () => [], restart: async () => 0 };
    const dir = (name: string) => { const d = join(home, name); mkdirSync(d, { recursive: true }); return d; };
    const runtime = new FakeRuntime(ctx.clock);
    const outputs = new BuildOutputs(dir('builds'));
    const sources = new SourceStore(dir('sources'), { clock: ctx.clock });
    const oneOffs = new OneOffDynos({ ...ctx, runtime, oneOffs: new OneOffTable(), maxLifetimeMs: 60_000 });
    const pipeline = new DeployPipeline({
      ...ctx, runtime, builder: refusingBuilder, sources, outputs, paths: { builds: dir('builds') }, maxConcurrentBuilds: 1, launchTimeoutMs: 1000, oneOffDynos: oneOffs,
    });
    const pushes = new GitPushes({
      ...ctx, pipeline, sources, outputs, repos: new GitRepos(dir('repos')), sourceUrl: (id, secret) => `${ctx.urls.api}/sources/${id}/${secret}`,
      webUrl: ctx.urls.web, rolloutTimeoutMs: 1000,
    });
    const logs = new LogHub({ dir: dir('logs') });
    const brokers = new BrokerRegistry([new FakeBroker('postgresql'), new FakeBroker('redis')]);
    for (const register of [
      deployRoutes({ sources, outputs, pipeline }),
      gitRoutes({ pushes }),
      registerDynoRoutes,
      oneOffRoutes({ oneOffs, sessions: new AttachSessions(oneOffs) }),
      cronRoutes({ scheduler: new CronScheduler({ ...ctx, oneOffDynos: oneOffs }) }),
      stackRoutes({ builder: refusingBuilder, outputs }),
      nodeRoutes({ fleet: new FakeFleet(async () => []) }),
      addonRoutes({ brokers, plans: new PlanCatalog(), backupsDir: dir('backups') }),
      logRoutes({ hub: logs, sessions: new LogSessions(), signal }),
      logDrainRoutes,
      usageRoutes({ teams: storeTeams(ctx.store), plans: PLANS.map((p) => p.name) }),
      metricsRoutes({ history: new MetricsHistory({ rows: ctx.store.metrics, clock: ctx.clock, logger: silentLogger }) }),
      prometheusRoutes({ exposition: { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: async () => '' }, scrapeToken: 'scrape-token-for-the-matrix-0123456789' }),
      webhookRoutes({ secrets: SecretBox.forHome(home) }),
      acmRoutes({ automatic: { wake: () => undefined }, domains: new MemoryDomains() }),
      acmeChallengeRoutes({ token: INTERNAL_TOKEN, challenges: new AcmeChallenges() }),
      domainRoutes({ baseDomain: 'localhost' }),
      sniEndpointRoutes({ sealer: SecretBox.forHome(home) }),
      internalRoutes({ token: INTERNAL_TOKEN, routes: { entries: () => [], onChange: () => () => undefined }, synced: async () => undefined, logSink: logs, signal }),
    ]) register(app, ctx);
  };
  return startTestApi([full], { home });
}
