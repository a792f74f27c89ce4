// The Docker Engine API over its unix socket, for what the benchmarks need: whether an engine answers,
// and finding (and removing) whatever a benchmark's Berth left on it — containers, networks, images, volumes.
import { createHash } from 'node:crypto';
import { request } from 'node:http';

export const DOCKER_SOCKET = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice('unix://'.length) : '/var/run/docker.sock';

interface EngineReply { status: number; body: string }

function call(method: string, path: string, timeoutMs = 30_000): Promise<EngineReply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: DOCKER_SOCKET, method, path, headers: { Host: 'docker' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`docker ${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

async function json<T>(path: string): Promise<T> {
  const r = await call('GET', path);
  if (r.status !== 200) throw new Error(`docker GET ${path} → ${r.status} ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body) as T;
}

const labelFilter = (labels: string[]) => `filters=${encodeURIComponent(JSON.stringify({ label: labels }))}`;

/** Undefined when an engine answers GET /_ping on the socket; otherwise why not (for the table note). */
export async function dockerProblem(): Promise<string | undefined> {
  try {
    const r = await call('GET', '/_ping', 3_000);
    return r.status === 200 ? undefined : `GET /_ping on ${DOCKER_SOCKET} → ${r.status}`;
  } catch (e) {
    return `no Docker engine on ${DOCKER_SOCKET} (${(e as Error).message})`;
  }
}

/** The `berth.scope` label a Berth server puts on its containers and networks: derived from its BERTH_HOME. */
export const berthScope = (home: string) => createHash('sha256').update(home).digest('hex').slice(0, 12);

/** Containers of one Berth installation (instances and one-offs). */
export async function scopeContainers(scope: string): Promise<string[]> {
  const list = await json<{ Id: string }[]>(`/containers/json?all=1&${labelFilter([`berth.scope=${scope}`])}`);
  return list.map((c) => c.Id);
}

/** What is left on the engine of the given apps and scope, by kind; empty arrays when all is gone. */
export async function leftovers(scope: string, appIds: string[]): Promise<{ containers: string[]; networks: string[]; images: string[]; volumes: string[] }> {
  const containers = await scopeContainers(scope);
  const networks = (await json<{ Id: string }[]>(`/networks?${labelFilter([`berth.scope=${scope}`])}`)).map((n) => n.Id);
  const images: string[] = [];
  for (const id of appIds) {
    // Build containers carry the app's labels, not the scope.
    for (const c of await json<{ Id: string }[]>(`/containers/json?all=1&${labelFilter([`berth.app-id=${id}`])}`)) containers.push(c.Id);
    for (const i of await json<{ Id: string; RepoTags?: string[] }[]>(`/images/json?${labelFilter([`berth.app-id=${id}`])}`)) images.push(...(i.RepoTags?.length ? i.RepoTags : [i.Id]));
  }
  const names = new Set(appIds.map((id) => `berth-cache-${id}`));
  const volumes = ((await json<{ Volumes: { Name: string }[] | null }>('/volumes')).Volumes ?? []).map((v) => v.Name).filter((n) => names.has(n));
  return { containers, networks, images, volumes };
}

/** Force-removes what `leftovers` found; returns how many objects it had to remove. */
export async function removeLeftovers(scope: string, appIds: string[]): Promise<number> {
  const left = await leftovers(scope, appIds);
  for (const id of left.containers) await call('DELETE', `/containers/${id}?force=1&v=1`);
  for (const id of left.networks) await call('DELETE', `/networks/${id}`);
  for (const ref of left.images) await call('DELETE', `/images/${encodeURIComponent(ref)}?force=1`);
  for (const name of left.volumes) await call('DELETE', `/volumes/${name}?force=1`);
  return left.containers.length + left.networks.length + left.images.length + left.volumes.length;
}
