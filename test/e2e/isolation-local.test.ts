// Tenant isolation on the local runtime (as root: namespaces, cgroups, per-app users): a hostile
// tenant's probes from its build and its instance are refused, and the other tenant keeps serving.
import { isolationCases } from '../support/isolation-suite.js';
import { usePlatform, type Platform } from '../support/platform-harness.js';
import { asRoot, describeWith } from '../support/require-dependency.js';
import { postgresServer, redisServer } from '../../src/addons/testing/service-dependencies.js';

const needs = {
  name: `${asRoot.name}, ${postgresServer.name} and ${redisServer.name}`,
  check: () => asRoot.check() ?? postgresServer.check() ?? redisServer.check(),
  install: `${postgresServer.install} redis-server, as root`,
};

describeWith(needs, 'tenant isolation on the local runtime', () => {
  let p: Platform;
  usePlatform((platform) => (p = platform), { BERTH_RUNTIME: 'local', BERTH_BOOT_TIMEOUT: '30' });
  isolationCases({ platform: () => p, prefix: 'iso-local' });
});
