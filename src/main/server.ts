// Composition root of `berth server`: the only place that wires concrete classes together.
import { mkdirSync } from 'node:fs';
import { buildApi } from '../api/api-server.js';
import { publicUrls } from '../api/public-urls.js';
import { systemClock } from '../platform/clock.js';
import { jsonLogger } from '../platform/logger.js';
import { ensureAdmin } from '../services/accounts.js';
import { PlatformEvents } from '../services/platform-events.js';
import type { ServiceDeps } from '../services/service-deps.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { homePaths, readSettings } from './settings.js';

export const DEFAULT_STACK = 'berth-24';

export async function runServer(role: string, _args: string[]): Promise<void> {
  if (role !== 'server' && role !== 'api') {
    process.stderr.write(`berth ${role}: not available yet; run \`berth server\` to start every part in one process.\n`);
    process.exitCode = 2;
    return;
  }
  const settings = readSettings();
  const paths = homePaths(settings.home);
  mkdirSync(settings.home, { recursive: true, mode: 0o700 });
  const logger = jsonLogger();
  const store = new SqliteStore(paths.db);
  const deps: ServiceDeps = { store, clock: systemClock, events: new PlatformEvents(), logger, defaultStack: DEFAULT_STACK };

  const admin = await ensureAdmin(deps, { email: settings.adminEmail, password: settings.adminPassword });
  if (admin) announceAdmin(admin, settings.apiUrl);

  const controller = new AbortController();
  const api = buildApi({ ...deps, urls: publicUrls({ apiUrl: settings.apiUrl, baseDomain: settings.baseDomain, routerPort: settings.routerPort }) });
  await api.listen({ port: settings.apiPort, host: settings.apiHost });
  logger.info('api-listening', { url: settings.apiUrl, port: settings.apiPort, home: settings.home });
  process.stdout.write(`Berth API listening on ${settings.apiUrl} (BERTH_HOME=${settings.home})\n`);

  const stop = async (signal: string) => {
    logger.info('server-stopping', { signal });
    controller.abort();
    await api.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
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
