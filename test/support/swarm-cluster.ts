// A Docker Swarm of N nodes on this machine, for every multi-node suite: each node is a container
// running its own dockerd (Debian's docker.io on Berth's Debian base), started with the flags this
// sandbox allows (`--privileged` needs CAP_SYS_RESOURCE, which it lacks), on a bridge network of
// the cluster's own; the first node inits the swarm, the others join. Berth's image registry runs
// on the host at the network's gateway address with a certificate from Berth's CA, which every node
// (and the host engine, which pushes) trusts through /etc/docker/certs.d. One cluster per test
// process, made on first use and removed with everything it made when the process's suites end.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DEBOOTSTRAP_BASE, STACK_IMAGE } from '../../src/build/docker/stack-image.js';
import { packFiles } from '../../src/build/docker/pack-files.js';
import { followProgress } from '../../src/build/docker/engine-progress.js';
import { ImagePublisher } from '../../src/runtime/swarm/image-publisher.js';
import { ImageRegistry, REGISTRY_BIN } from '../../src/runtime/swarm/image-registry.js';
import { freePort } from './cli-harness.js';
import { dockerEngine, stackImageReady } from './docker-engine.js';
import type { Dependency } from './require-dependency.js';

/** Bumped when NODE_DOCKERFILE changes, so a kept node image is rebuilt once. */
const NODE_REVISION = '1';
export const NODE_IMAGE = `berth-test/swarm-node:${NODE_REVISION}`;
const CLUSTER_LABEL = 'berth.test-swarm';
/** The test process that made a cluster: a later one removes clusters whose process is gone (killed mid-run). */
const OWNER_LABEL = 'berth.test-swarm-owner';
/** dockerd's API on the cluster's own network, unauthenticated: test-only (no port is published on the host). */
const NODE_API_PORT = 2375;
/** The swarm's dispatcher heartbeat period, nanoseconds (see swarmInit below). */
const HEARTBEAT_NS = 2_000_000_000;

// --no-new-privileges: Swarm services (API 1.41) cannot ask for it per task, so the node's engine
// sets it on every container, as a real node's daemon.json must ("no-new-privileges": true).
const NODE_DOCKERFILE = `FROM ${DEBOOTSTRAP_BASE}
ENV DEBIAN_FRONTEND=noninteractive
COPY ca/ /usr/local/share/ca-certificates/
RUN apt-get update && apt-get install -y --no-install-recommends docker.io ca-certificates iproute2 iptables \\
 && update-ca-certificates && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
LABEL berth.swarm-node-revision="${NODE_REVISION}"
CMD ["dockerd", "--host=unix:///var/run/docker.sock", "--host=tcp://0.0.0.0:${NODE_API_PORT}", "--no-new-privileges"]
`;

/** The flags the issue found to work here: everything but CAP_SYS_RESOURCE, no seccomp/AppArmor confinement. */
const NODE_HOST_CONFIG: Docker.HostConfig = {
  CapAdd: ['ALL'], CapDrop: ['SYS_RESOURCE'],
  SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
  // `--security-opt systempaths=unconfined` is the CLI's name for no masked and no read-only /proc paths.
  MaskedPaths: [], ReadonlyPaths: [],
  Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'],
  Tmpfs: { '/var/lib/docker': '' },
};

export const swarmNodes: Dependency = {
  name: "a Docker engine and Debian's docker-registry (a 3-node swarm of containers)",
  check: () => dockerEngine.check() ?? (existsSync(REGISTRY_BIN) ? undefined : `${REGISTRY_BIN} not found`),
  install: 'bash scripts/install-test-deps.sh (installs docker.io, debootstrap and docker-registry)',
};

export interface SwarmNode {
  name: string;
  /** Its address on the cluster network (the swarm's advertise address). */
  address: string;
  /** Its own engine, reachable from the host over the cluster network. */
  engine: Docker;
  container: Docker.Container;
}

export interface SwarmCluster {
  id: string;
  nodes: SwarmNode[];
  /** The first node: swarm manager and leader. */
  manager: SwarmNode;
  registry: ImageRegistry;
  /** Starts one more node container, trusting the registry, joined as a worker and ready (a machine added to the fleet). */
  addNode(): Promise<SwarmNode>;
  /**
   * Has every node, and every node added later, trust `caCertificate` for the registry at `address`
   * (host:port), as `/etc/docker/certs.d/<address>/ca.crt`: what an operator does on each machine
   * for the registry a real Berth server runs with its own CA (BERTH_HOME/registry/ca/ca.crt).
   */
  trust(address: string, caCertificate: string): Promise<void>;
  /** `docker kill` of a node's container: the machine dies at once (its tasks with it); the swarm notices on its own. */
  killNode(node: SwarmNode): Promise<void>;
  /** Back to `size` ready, active worker-and-manager nodes: dead and extra nodes leave, missing ones are added. */
  restore(size: number): Promise<void>;
  /** Removes every container, network, directory and trust entry the cluster made. */
  destroy(): Promise<void>;
}

const hostDocker = new Docker();
let shared: Promise<SwarmCluster> | undefined;

/**
 * The process's cluster of `size` nodes, made on first call. The swarm suites run from one file
 * (test/swarm-suites.test.ts), so a later suite gets the same cluster, first brought back to `size`
 * ready, active nodes (nodes an earlier suite killed, added or drained are removed or reset): every
 * suite starts from the same fleet whatever ran before it.
 */
export function swarmCluster(size = 3): Promise<SwarmCluster> {
  const pending = shared;
  shared = pending
    ? pending.then(async (c) => { await c.restore(size); return c; })
    : startCluster(size);
  // A cluster that failed to start or to be restored is not handed to the next suite.
  const mine = shared;
  mine.catch(() => { if (shared === mine) shared = undefined; });
  return mine;
}

/** Removes the process's cluster, if one was made (after the last swarm suite). */
export async function destroySwarmCluster(): Promise<void> {
  const pending = shared;
  shared = undefined;
  if (pending) await (await pending.catch(() => undefined))?.destroy();
}

/** Clusters of test processes that are gone (a run killed before its cleanup): their containers and networks. */
async function removeOrphanClusters(): Promise<void> {
  const alive = (pid: string) => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
  const filters = { label: [OWNER_LABEL] };
  for (const c of await hostDocker.listContainers({ all: true, filters })) {
    if (!alive(c.Labels[OWNER_LABEL] ?? '')) await hostDocker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of await hostDocker.listNetworks({ filters })) {
    if (!alive(n.Labels?.[OWNER_LABEL] ?? '')) await hostDocker.getNetwork(n.Id).remove().catch(() => undefined);
  }
}

async function startCluster(size: number): Promise<SwarmCluster> {
  await stackImageReady();
  await nodeImageReady();
  const id = randomBytes(4).toString('hex');
  await removeOrphanClusters();
  const labels = { [CLUSTER_LABEL]: id, [OWNER_LABEL]: String(process.pid) };
  const made: { containers: Docker.Container[]; network?: Docker.Network; registry?: ImageRegistry; dirs: string[] } = { containers: [], dirs: [] };
  const destroy = async () => {
    made.registry?.stop();
    // The host's tags of images pushed to this cluster's registry (the images themselves stay for their other tags).
    const pushedPrefix = made.registry && `${made.registry.address}/`;
    for (const image of pushedPrefix ? await hostDocker.listImages() : []) {
      for (const tag of image.RepoTags ?? []) if (tag.startsWith(pushedPrefix!)) await hostDocker.getImage(tag).remove().catch(() => undefined);
    }
    await Promise.all(made.containers.map((c) => c.remove({ force: true, v: true }).catch(() => undefined)));
    await made.network?.remove().catch(() => undefined);
    for (const dir of made.dirs) await rm(dir, { recursive: true, force: true });
  };
  try {
    const network = await hostDocker.createNetwork({ Name: `berth-swarm-${id}`, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
    made.network = network;
    const startNode = async (n: number): Promise<SwarmNode> => {
      const name = `berth-swarm-${id}-node${n}`;
      const container = await hostDocker.createContainer({
        Image: NODE_IMAGE, name, Hostname: name, Labels: labels,
        HostConfig: { ...NODE_HOST_CONFIG, NetworkMode: network.id },
      });
      made.containers.push(container);
      await container.start();
      const address = (await container.inspect()).NetworkSettings.Networks[`berth-swarm-${id}`]!.IPAddress;
      const node = { name, address, engine: new Docker({ host: address, port: NODE_API_PORT }), container };
      await waitForEngine(node);
      return node;
    };
    const nodes = await Promise.all(Array.from({ length: size }, (_, i) => startNode(i + 1)));
    const gateway = (await network.inspect()).IPAM?.Config?.[0]?.Gateway as string;

    const registryDir = join(tmpdir(), `berth-swarm-${id}-registry`);
    made.dirs.push(registryDir);
    const registry = await ImageRegistry.start({ dir: registryDir, host: gateway, port: await freePort() });
    made.registry = registry;
    // The host engine pushes, the nodes pull: all of them trust the CA for this one registry address.
    const hostTrust = join('/etc/docker/certs.d', registry.address);
    made.dirs.push(hostTrust);
    await mkdir(hostTrust, { recursive: true });
    await writeFile(join(hostTrust, 'ca.crt'), registry.caCertificate);
    // Registry address → CA: the cluster's own registry, and those trust() added (a Berth server's).
    const trusted = new Map([[registry.address, registry.caCertificate]]);
    const trustRegistry = (n: SwarmNode) => n.container.putArchive(
      packFiles(Object.fromEntries([...trusted].map(([address, ca]) => [`etc/docker/certs.d/${address}/ca.crt`, ca]))), { path: '/' });
    for (const n of nodes) await trustRegistry(n);

    const [manager, ...workers] = nodes as [SwarmNode, ...SwarmNode[]];
    // Heartbeats every 2 s instead of Swarm's 5 s: a killed node is marked down after about three
    // missed ones, ~6 s rather than ~15 s (measured: 14.4 s by default), which leaves the rest of the
    // issue's 30 s from a node's death to its instances routed again for starting them elsewhere.
    // An operator does the same with `docker swarm update --dispatcher-heartbeat 2s` (README).
    await manager.engine.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: 'eth0', Spec: { Dispatcher: { HeartbeatPeriod: HEARTBEAT_NS } } });
    const token = ((await manager.engine.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
    const joinSwarm = (w: SwarmNode) => w.engine.swarmJoin({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: 'eth0', RemoteAddrs: [`${manager.address}:2377`], JoinToken: token });
    for (const w of workers) await joinSwarm(w);
    const readyNodes = async () => (await manager.engine.listNodes()).filter((n) => n.Status?.State === 'ready').length;
    await waitFor(async () => (await readyNodes()) === size, 60_000, `${size} ready swarm nodes`);
    // The stack's layers on every node once, so a test's app image (the stack plus a few files)
    // reaches a node in a second, as on a fleet that has run apps before.
    const stack = await new ImagePublisher(hostDocker, registry.address).publish(STACK_IMAGE);
    await Promise.all(nodes.map((n) => pullOn(n.engine, stack)));

    let started = size;
    const addNode = async (): Promise<SwarmNode> => {
      const node = await startNode(++started);
      await trustRegistry(node);
      const before = await readyNodes();
      await joinSwarm(node);
      await pullOn(node.engine, stack);
      await waitFor(async () => (await readyNodes()) > before, 60_000, `${node.name} ready in the swarm`);
      nodes.push(node);
      return node;
    };
    const killNode = async (node: SwarmNode) => {
      await node.container.kill();
    };
    const trust = async (address: string, caCertificate: string) => {
      trusted.set(address, caCertificate);
      // Nodes killed on purpose have no engine to write to; the others must all take it.
      const running = [];
      for (const n of nodes) if ((await n.container.inspect()).State.Running) running.push(n);
      await Promise.all(running.map(trustRegistry));
    };
    const restore = async (wanted: number) => {
      const swarmNodes = await manager.engine.listNodes();
      const idOf = (n: SwarmNode) => swarmNodes.find((sn) => sn.Description?.Hostname === n.name)?.ID;
      for (const n of [...nodes]) {
        if (n === manager) continue;
        const alive = await n.container.inspect().then((c) => c.State.Running, () => false);
        const extra = nodes.length > wanted;
        if (alive && !extra) continue;
        if (alive) await n.engine.swarmLeave({ force: true }).catch(() => undefined);
        const nodeId = idOf(n);
        if (nodeId) {
          if (alive) await waitFor(async () => (await manager.engine.getNode(nodeId).inspect()).Status?.State === 'down', 60_000, `${n.name} down after leaving`);
          await manager.engine.getNode(nodeId).remove({ force: true }).catch(() => undefined);
        }
        await n.container.remove({ force: true, v: true }).catch(() => undefined);
        nodes.splice(nodes.indexOf(n), 1);
      }
      // A server's node meter outlives it (kept for its next start, runtime/swarm/node-meter.ts): the
      // next suite starts without one.
      for (const s of await manager.engine.listServices({ filters: { label: ['berth.role=meter'] } })) await manager.engine.getService(s.ID!).remove().catch(() => undefined);
      // Availability and Berth's labels back to a fresh node's.
      for (const sn of await manager.engine.listNodes()) {
        if (sn.Spec?.Availability === 'active' && Object.keys(sn.Spec?.Labels ?? {}).length === 0) continue;
        await manager.engine.getNode(sn.ID!).update({ _query: { version: sn.Version!.Index }, _body: { ...sn.Spec, Availability: 'active', Labels: {} } } as never);
      }
      while (nodes.length < wanted) await addNode();
    };
    return { id, nodes, manager, registry, trust, addNode, killNode, restore, destroy };
  } catch (e) {
    await destroy();
    throw e;
  }
}

export async function pullOn(engine: Docker, ref: string): Promise<void> {
  const stream = (await engine.pull(ref, { authconfig: { serveraddress: ref.split('/')[0] } })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => engine.modem.followProgress(stream, (e: Error | null, out: Array<{ error?: string }>) => {
    const failed = e ?? out.find((o) => o.error);
    if (failed) reject(failed instanceof Error ? failed : new Error(`pull of ${ref} failed: ${failed.error}`));
    else resolve();
  }));
}

async function waitForEngine(node: SwarmNode): Promise<void> {
  await waitFor(async () => { await node.engine.ping(); return true; }, 60_000, `dockerd in ${node.name}`);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const LOCK_DIR = join(tmpdir(), 'berth-swarm-node-build.lock');

/** Builds the node image once (about a minute: apt-get install docker.io) and keeps it. */
async function nodeImageReady(): Promise<void> {
  if (await hostDocker.getImage(NODE_IMAGE).inspect().then(() => true, () => false)) return;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      break;
    } catch {
      const age = Date.now() - ((await stat(LOCK_DIR).catch(() => undefined))?.mtimeMs ?? Date.now());
      if (age > 15 * 60_000) await rm(LOCK_DIR, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    if (await hostDocker.getImage(NODE_IMAGE).inspect().then(() => true, () => false)) return;
    process.stderr.write(`[swarm] building ${NODE_IMAGE} (once; kept afterwards)\n`);
    const context = packFiles({ Dockerfile: NODE_DOCKERFILE, 'ca/.keep': '', ...(await hostCaFiles()) });
    await followProgress(await hostDocker.buildImage(context, { t: NODE_IMAGE, rm: true, forcerm: true }), () => {});
  } finally {
    await rm(LOCK_DIR, { recursive: true, force: true });
  }
}

/** The host's added CAs (a TLS-inspecting proxy in front of the Debian mirror), as the stack image takes them. */
async function hostCaFiles(): Promise<Record<string, string>> {
  const dir = '/usr/local/share/ca-certificates';
  const files: Record<string, string> = {};
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.endsWith('.crt')) files[`ca/${name}`] = await readFile(join(dir, name), 'utf8');
  }
  return files;
}
