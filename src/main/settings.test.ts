// Settings as an operator writes them: the release command's deadline.
import { expect, it } from 'vitest';
import { readSettings } from './settings.js';

it('gives a release command an hour unless BERTH_RELEASE_TIMEOUT says otherwise, in whole seconds', () => {
  expect(readSettings({}).releaseTimeoutMs).toBe(3600_000);
  expect(readSettings({ BERTH_RELEASE_TIMEOUT: '90' }).releaseTimeoutMs).toBe(90_000);
  expect(() => readSettings({ BERTH_RELEASE_TIMEOUT: '0' })).toThrow(/BERTH_RELEASE_TIMEOUT must be a positive whole number/);
  // Past ~24.8 days a Node timer fires at once, which would fail every release command as it starts.
  expect(() => readSettings({ BERTH_RELEASE_TIMEOUT: '2200000' })).toThrow(/BERTH_RELEASE_TIMEOUT must be at most 2147483 seconds/);
});

it('takes BERTH_RUNTIME=swarm and the address nodes reach its registry on, port 5443 unless given', () => {
  expect(readSettings({ BERTH_RUNTIME: 'swarm', BERTH_SWARM_REGISTRY: '10.0.0.5' })).toMatchObject({ runtime: 'swarm', swarmRegistry: { host: '10.0.0.5', port: 5443 } });
  expect(readSettings({ BERTH_SWARM_REGISTRY: 'berth.internal:6000' }).swarmRegistry).toEqual({ host: 'berth.internal', port: 6000 });
  expect(() => readSettings({ BERTH_SWARM_REGISTRY: 'https://10.0.0.5' })).toThrow(/BERTH_SWARM_REGISTRY must be host\[:port\]/);
  expect(() => readSettings({ BERTH_RUNTIME: 'kubernetes' })).toThrow(/auto, local, docker or swarm/);
});

it('takes the networks of the swarm nodes as IPv4 CIDRs only, since they go into pg_hba.conf', () => {
  expect(readSettings({ BERTH_SWARM_NODE_NETWORKS: '10.0.0.0/24, 192.168.4.0/22' }).swarmNodeNetworks).toEqual(['10.0.0.0/24', '192.168.4.0/22']);
  expect(readSettings({}).swarmNodeNetworks).toBeUndefined();
  for (const bad of ['10.0.0.0', '10.0.0.0/33', 'all', '10.0.0.0/24 trust', '::/0']) {
    expect(() => readSettings({ BERTH_SWARM_NODE_NETWORKS: bad })).toThrow(/BERTH_SWARM_NODE_NETWORKS must be IPv4 networks/);
  }
});

it('drives the swarm manager BERTH_SWARM_MANAGER names (tcp or unix socket), and the engine Berth builds on when unset', () => {
  expect(readSettings({}).swarmManager).toBeUndefined();
  expect(readSettings({ BERTH_SWARM_MANAGER: 'tcp://172.18.0.2:2375' }).swarmManager).toEqual({ host: '172.18.0.2', port: 2375 });
  expect(readSettings({ BERTH_SWARM_MANAGER: 'tcp://[fd00::2]:2375' }).swarmManager).toEqual({ host: 'fd00::2', port: 2375 });
  expect(readSettings({ BERTH_SWARM_MANAGER: 'unix:///run/manager/docker.sock' }).swarmManager).toEqual({ socketPath: '/run/manager/docker.sock' });
  // A typo must stop the server rather than quietly drive the local engine.
  for (const wrong of ['172.18.0.2:2375', 'tcp://172.18.0.2', 'http://172.18.0.2:2375', 'unix://relative.sock', 'tcp://host:70000']) {
    expect(() => readSettings({ BERTH_SWARM_MANAGER: wrong })).toThrow(/BERTH_SWARM_MANAGER must be tcp:\/\/host:port or unix:\/\/\/path/);
  }
});

it('keeps log history 7 days and 100 MB per app unless BERTH_LOG_RETENTION / BERTH_LOG_MAX_APP_MB say otherwise', () => {
  expect(readSettings({}).logHistory).toEqual({ retentionMs: 7 * 86_400_000, maxBytesPerApp: 100 * 1024 * 1024 });
  expect(readSettings({ BERTH_LOG_RETENTION: '36h', BERTH_LOG_MAX_APP_MB: '20' }).logHistory).toEqual({ retentionMs: 36 * 3_600_000, maxBytesPerApp: 20 * 1024 * 1024 });
  expect(readSettings({ BERTH_LOG_RETENTION: '86400' }).logHistory.retentionMs).toBe(86_400_000);
  expect(() => readSettings({ BERTH_LOG_RETENTION: 'a week' })).toThrow(/BERTH_LOG_RETENTION must be a duration such as 7d/);
  expect(() => readSettings({ BERTH_LOG_MAX_APP_MB: '0' })).toThrow(/BERTH_LOG_MAX_APP_MB must be a positive whole number/);
});

it('orders automatic certificates from Let\'s Encrypt unless BERTH_ACME_DIRECTORY_URL names another https directory', () => {
  expect(readSettings({}).acmeDirectoryUrl).toBe('https://acme-v02.api.letsencrypt.org/directory');
  expect(readSettings({ BERTH_ACME_DIRECTORY_URL: 'https://127.0.0.1:14000/dir', BERTH_ACME_CA_BUNDLE: '/etc/pebble.pem', BERTH_ACME_EMAIL: 'ops@example.com' }))
    .toMatchObject({ acmeDirectoryUrl: 'https://127.0.0.1:14000/dir', acmeCaBundle: '/etc/pebble.pem', acmeEmail: 'ops@example.com' });
  expect(() => readSettings({ BERTH_ACME_DIRECTORY_URL: 'http://127.0.0.1:14000/dir' })).toThrow(/BERTH_ACME_DIRECTORY_URL must be an https:\/\/ URL/);
});

it('serves the API over HTTPS only when BERTH_API_HTTPS_PORT is set, with the operator\'s certificate only as a pair', () => {
  expect(readSettings({}).apiHttpsPort).toBeUndefined();
  expect(readSettings({ BERTH_API_HTTPS_PORT: '5443' }).apiHttpsPort).toBe(5443);
  expect(readSettings({ BERTH_API_TLS_CERT: '/c.pem', BERTH_API_TLS_KEY: '/k.pem' }).apiTls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem' });
  expect(() => readSettings({ BERTH_API_TLS_CERT: '/c.pem' })).toThrow(/BERTH_API_TLS_CERT and BERTH_API_TLS_KEY go together/);
});

it('lets webhooks and drains reach public addresses only, plus what BERTH_OUTBOUND_ALLOW lists; an unreadable entry stops the start', () => {
  expect(readSettings({}).outbound.refusal('10.1.2.3')).toMatch(/is a private address/);
  expect(readSettings({ BERTH_OUTBOUND_ALLOW: '10.1.0.0/16' }).outbound.refusal('10.1.2.3')).toBeUndefined();
  expect(() => readSettings({ BERTH_OUTBOUND_ALLOW: 'logs.lan' })).toThrow(/BERTH_OUTBOUND_ALLOW: "logs.lan" is not an IP address or a CIDR range/);
});

it("takes the router's default certificate as a chain and key given together", () => {
  expect(readSettings({}).routerTls).toBeUndefined();
  expect(readSettings({ BERTH_ROUTER_TLS_CERT: '/w.crt', BERTH_ROUTER_TLS_KEY: '/w.key' }).routerTls).toEqual({ certFile: '/w.crt', keyFile: '/w.key' });
  expect(() => readSettings({ BERTH_ROUTER_TLS_CERT: '/w.crt' })).toThrow(/BERTH_ROUTER_TLS_CERT and BERTH_ROUTER_TLS_KEY go together/);
});
