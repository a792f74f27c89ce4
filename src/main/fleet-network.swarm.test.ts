// The network paths of a fleet, on a 3-node swarm of containers (test/support/swarm-cluster): an
// instance on a worker node reaches its app's add-ons on Berth's machine through the URLs the
// swarm add-on network gives, and not another app's; the router reaches an instance on another
// node, the app sees the client's address, and a dead node's instance costs no request.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonNetwork } from '../addons/addon-network.js';
import type { Broker } from '../addons/broker.js';
import { findPostgres } from '../addons/brokers/postgresql/postgres-binaries.js';
import { PostgresBroker } from '../addons/brokers/postgresql/postgresql-broker.js';
import { RedisBroker } from '../addons/brokers/redis/redis-broker.js';
import { PlanCatalog } from '../addons/plans.js';
import { postgresServer, redisServer } from '../addons/testing/service-dependencies.js';
import { STACK_IMAGE } from '../build/docker/stack-image.js';
import { run } from '../platform/exec.js';
import { silentLogger } from '../platform/logger.js';
import { backendAt, route, send, startRouter, type TestRouter } from '../router/router-test-kit.js';
import { ImagePublisher } from '../runtime/swarm/image-publisher.js';
import { describeWith, type Dependency } from '../../test/support/require-dependency.js';
import { STACK_BUILD_TIMEOUT_MS } from '../../test/support/docker-engine.js';
import { swarmCluster, swarmNodes, type SwarmCluster, type SwarmNode } from '../../test/support/swarm-cluster.js';
import { chooseAddonNetwork } from './addon-network.js';

const fleetWithAddons: Dependency = {
  name: `${swarmNodes.name}, PostgreSQL and Redis`,
  check: () => swarmNodes.check() ?? postgresServer.check() ?? redisServer.check(),
  install: `${swarmNodes.install}; ${postgresServer.install}; ${redisServer.install}`,
};

/**
 * Run inside a task: the first bytes each add-on server answers. PostgreSQL checks pg_hba.conf on
 * the startup message, before any password: `R` (authentication requested) means the address,
 * user and database were admitted, `E` carries the refusal. Redis answers AUTH and one command.
 */
const PROBE_JS = `
const net = require('net');
const first = (host, port, bytes) => new Promise((resolve) => {
  const s = net.connect({ host, port: Number(port) }, () => s.write(bytes));
  let got = Buffer.alloc(0);
  const done = (v) => { s.destroy(); resolve(v); };
  s.on('data', (c) => { got = Buffer.concat([got, c]); if (got.length >= 9 || got.includes('\\r\\n+')) setTimeout(() => done(got), 200); });
  s.on('error', (e) => done('error ' + e.code));
  setTimeout(() => done(got), 5000);
});
const pg = async (url) => {
  const u = new URL(url);
  const params = Buffer.from('user\\0' + u.username + '\\0database\\0' + u.pathname.slice(1) + '\\0\\0');
  const head = Buffer.alloc(8); head.writeInt32BE(8 + params.length, 0); head.writeInt32BE(196608, 4);
  const r = await first(u.hostname, u.port, Buffer.concat([head, params]));
  if (typeof r === 'string') return r;
  const type = String.fromCharCode(r[0]);
  return type === 'R' ? 'R ' + r.readInt32BE(5) : type + ' ' + r.subarray(5).toString('latin1').replace(/\\0/g, ' ').trim();
};
const redis = async (url, password) => {
  const u = new URL(url);
  const r = await first(u.hostname, u.port, 'AUTH ' + password + '\\r\\nPING\\r\\n');
  return typeof r === 'string' ? r : r.toString().trim().split('\\r\\n').join(' ');
};
(async () => {
  const [pgOwn, pgOther, redisOwn, redisOther] = JSON.parse(process.env.PROBE_URLS);
  const ownPassword = decodeURIComponent(new URL(redisOwn).password);
  const other = new URL(pgOther);
  const otherWithOwnCredentials = new URL(pgOwn); otherWithOwnCredentials.pathname = other.pathname;
  console.log('probe ' + JSON.stringify({
    pgOwn: await pg(pgOwn),
    pgOtherDatabaseOwnCredentials: await pg(otherWithOwnCredentials.href),
    redisOwn: await redis(redisOwn, ownPassword),
    redisOtherServerOwnPassword: await redis(redisOther, ownPassword),
  }));
})();
`;

/** An HTTP server for a task: answers with the headers it received. */
const ECHO_HEADERS_JS = `require('http').createServer((req, res) => res.end(JSON.stringify(req.headers))).listen(5000);`;

const hostDocker = new Docker();

/**
 * A TTY container's logs, as text. The Docker client parses a body that looks like JSON, so the
 * probe prints a word before its JSON and the logs come back as a Buffer.
 */
const textOf = (logs: unknown): string => (Buffer.isBuffer(logs) ? logs.toString() : JSON.stringify(logs));

describeWith(fleetWithAddons, 'the network of a fleet', () => {
  let cluster: SwarmCluster;
  let image: string;
  const suffix = randomBytes(3).toString('hex');
  const networkName = `berth-test-fleet-net-${suffix}`;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    cluster = await swarmCluster(3);
    image = await new ImagePublisher(hostDocker, cluster.registry.address).publish(STACK_IMAGE);
    // As an app's overlay network: its tasks leave their node NATed to the node's address.
    await cluster.manager.engine.createNetwork({ Name: networkName, Driver: 'overlay', Attachable: true, CheckDuplicate: true });
    cleanups.push(() => cluster.manager.engine.getNetwork(networkName).remove());
  }, STACK_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  }, 120_000);

  /** A service of one task on `node`, on the app-like overlay network; removed at the end of the suite. */
  async function serviceOn(node: SwarmNode, script: string, opts: { env?: string[]; publish?: number }): Promise<Docker.Service> {
    const service = await cluster.manager.engine.createService({
      Name: `berth-test-fleet-${randomBytes(4).toString('hex')}`,
      TaskTemplate: {
        // TTY: the service logs come back as plain text, not multiplexed.
        ContainerSpec: { Image: image, Command: ['node', '-e', script], Env: opts.env ?? [], TTY: true },
        Placement: { Constraints: [`node.hostname == ${node.name}`] },
        RestartPolicy: { Condition: 'none' },
        Networks: [{ Target: networkName }],
      },
      Mode: { Replicated: { Replicas: 1 } },
      ...(opts.publish ? { EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 5000, PublishedPort: opts.publish, PublishMode: 'host' }] } } : {}),
    } as Docker.ServiceSpec);
    cleanups.push(() => service.remove());
    return service;
  }

  /** Waits for the one task of `service` to end on `node`; returns its state and its output, read from the node's own engine. */
  async function taskEnded(service: Docker.Service, node: SwarmNode): Promise<{ state: string; output: string }> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const [task] = await cluster.manager.engine.listTasks({ filters: { service: [service.id] } });
      const state = task?.Status?.State;
      if (task && state && ['complete', 'failed', 'rejected'].includes(state)) {
        expect(task.NodeID).toBe((await cluster.manager.engine.listNodes()).find((n) => n.Description?.Hostname === node.name)?.ID);
        const containerId = (task.Status as { ContainerStatus?: { ContainerID?: string } }).ContainerStatus?.ContainerID;
        const output = containerId ? textOf(await node.engine.getContainer(containerId).logs({ stdout: true, stderr: true, follow: false }) as unknown) : '';
        return { state, output };
      }
      if (Date.now() > deadline) throw new Error(`the probe task did not end within 90 s (state ${state})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it("reaches its app's PostgreSQL and Redis from a task on a worker node, and not another app's with its own credentials", async () => {
    const gateway = cluster.registry.address.split(':')[0]!;
    // What `berth server` chooses with BERTH_RUNTIME=swarm BERTH_SWARM_REGISTRY=<gateway>:<port>.
    const network: AddonNetwork = await chooseAddonNetwork('swarm', silentLogger, { swarm: { host: gateway } });
    expect(network.host).toBe(gateway);
    const home = await mkdtemp(join(tmpdir(), `berth-fleet-net-${suffix}-`));
    const brokers: Broker[] = [
      new PostgresBroker({ home, bins: findPostgres()!, logger: silentLogger, network, superviseIntervalMs: 500 }),
      new RedisBroker({ home, logger: silentLogger, network, superviseIntervalMs: 500 }),
    ];
    cleanups.push(async () => {
      for (const b of brokers) await b.stopServers().catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    });
    const plans = new PlanCatalog();
    const [pg, redis] = brokers as [Broker, Broker];
    await pg.provision(`pg-a-${suffix}`, plans.resolve('postgresql:dev'));
    await pg.provision(`pg-b-${suffix}`, plans.resolve('postgresql:dev'));
    await redis.provision(`redis-a-${suffix}`, plans.resolve('redis:dev'));
    await redis.provision(`redis-b-${suffix}`, plans.resolve('redis:dev'));
    const urls = [
      (await pg.bind(`pg-a-${suffix}`, 'a')).url, (await pg.bind(`pg-b-${suffix}`, 'b')).url,
      (await redis.bind(`redis-a-${suffix}`, 'a')).url, (await redis.bind(`redis-b-${suffix}`, 'b')).url,
    ];
    for (const url of urls) expect(new URL(url).hostname).toBe(gateway);

    const worker = cluster.nodes[1]!;
    const probe = await serviceOn(worker, PROBE_JS, { env: [`PROBE_URLS=${JSON.stringify(urls)}`] });
    const { state, output } = await taskEnded(probe, worker);
    expect({ state, output }).toMatchObject({ state: 'complete', output: expect.stringContaining('{') });
    const seen = JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1)) as Record<string, string>;
    // 10: SASL (SCRAM-SHA-256) asked for: pg_hba admitted the node's address for this role and database.
    expect(seen.pgOwn).toBe('R 10');
    // `sameuser`: the role is admitted into its own database only, whatever its password.
    expect(seen.pgOtherDatabaseOwnCredentials).toMatch(/^E .*no pg_hba\.conf entry for host "[\d.]+", user "[^"]+", database "[^"]+"/);
    expect(seen.redisOwn).toBe('+OK +PONG');
    expect(seen.redisOtherServerOwnPassword).toMatch(/^-WRONGPASS/);

    // The full login, with the password, from the worker's own address (the source its tasks are NATed to).
    const pid = (await worker.container.inspect()).State.Pid;
    const own = new URL(urls[0]!);
    const login = await run('nsenter', [`--net=/proc/${pid}/ns/net`, '--', findPostgres()!.bin('psql'), '-X', '-At', '-h', own.hostname, '-p', own.port, '-U', own.username, '-d', own.pathname.slice(1), '-c', 'SELECT inet_client_addr()'], {
      env: { PATH: process.env.PATH, PGPASSWORD: decodeURIComponent(own.password), PGCONNECT_TIMEOUT: '5' },
    });
    expect(login.stderr).toBe('');
    expect(login.stdout.trim()).toBe(worker.address);
  }, 240_000);

  describe('the router in front of instances on other nodes', () => {
    let router: TestRouter;
    beforeAll(async () => {
      router = await startRouter();
      cleanups.push(() => router.stop());
    });

    const publishedPort = () => 20000 + Math.floor(Math.random() * 9000);
    /** Asked directly, not through the router, so the router holds no connection to it yet. */
    const answering = async (node: SwarmNode, port: number) => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const status = await fetch(`http://${node.address}:${port}/`).then((r) => r.status, () => 0);
        if (status === 200) return;
        if (Date.now() > deadline) throw new Error(`no answer from ${node.name}:${port} within 90 s`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };

    it("gives the app the client's address, scheme and port when its instance is on another node's published port", async () => {
      const node = cluster.nodes[1]!;
      const port = publishedPort();
      await serviceOn(node, ECHO_HEADERS_JS, { publish: port });
      router.routes.set(route('remote', [{ ...backendAt(port), host: node.address }]));
      await answering(node, port);
      // A client whose address is not the router's own: what the app sees must be the client's.
      const reply = await send(router.port, { host: 'remote.localhost', localAddress: '127.0.0.2' });
      const headers = JSON.parse(reply.body.toString()) as Record<string, string>;
      expect(headers['x-forwarded-for']).toBe('127.0.0.2');
      expect(headers['x-forwarded-proto']).toBe('http');
      expect(headers['x-forwarded-port']).toBe(String(router.port));
    }, 180_000);

    it('answers every request while the node of one of two instances is dead', async () => {
      const [survivor, doomed] = [cluster.nodes[1]!, cluster.nodes[2]!];
      const [port1, port2] = [publishedPort(), publishedPort() + 1];
      await serviceOn(survivor, ECHO_HEADERS_JS, { publish: port1 });
      await serviceOn(doomed, ECHO_HEADERS_JS, { publish: port2 });
      router.routes.set(route('fleet', [{ ...backendAt(port1, 1), host: survivor.address }, { ...backendAt(port2, 2), host: doomed.address }]));
      await answering(survivor, port1);
      await answering(doomed, port2);
      // The node's container dies: its address stops answering at all (no refusal), as a machine
      // that lost power. (A request already written on a kept-alive connection to it is in flight
      // there and may fail; this asks for the connects that follow.)
      await cluster.killNode(doomed);
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await send(router.port, { host: 'fleet.localhost', method: 'POST', body: 'x' })).status);
      expect(statuses).toEqual(Array(10).fill(200));
    }, 180_000);
  });
});
