// What the multi-node suite and `npm run bench -- fleet` observe of an app deployed on a swarm:
// requests through Berth's router from a client address of their own (so X-Forwarded-For can be
// told from the router's address), a bounded load loop that records every request's outcome, and
// the app's running tasks as the swarm manager reports them (container, node). The `fleet-probe`
// fixture answers with its container id, which ties an answer to a node.
import { request } from 'node:http';
import type Docker from 'dockerode';

/** The client's address: a loopback address other than the router's own 127.0.0.1. */
export const CLIENT_ADDRESS = '127.0.0.2';

export interface ProbeAnswer {
  status: number;
  container?: string;
  dyno?: string;
  xff?: string | null;
  redis?: string;
  /** Set when no HTTP answer came (connection error, timeout). */
  error?: string;
}

/** One GET through the router as `<app>.localhost`, on a fresh connection from CLIENT_ADDRESS. */
export function probe(routerPort: number, app: string, path = '/', timeoutMs = 40_000): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: routerPort, localAddress: CLIENT_ADDRESS, path, agent: false, headers: { Host: `${app}.localhost` }, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('error', (e) => resolve({ status: res.statusCode ?? 0, error: e.message }));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, ...(JSON.parse(text) as object) });
        } catch {
          resolve({ status: res.statusCode ?? 0, error: `not the probe's JSON: ${text.slice(0, 200)}` });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    req.end();
  });
}

export interface LoadRecord { startedAt: number; endedAt: number; answer: ProbeAnswer }

/**
 * `workers` clients, each sending one request after another (a short pause between) until stop().
 * Bounded: at most `workers` requests are ever in flight, so "requests in flight at an instant" is
 * a number the caller can read back from the records.
 */
export class RouterLoad {
  readonly records: LoadRecord[] = [];
  private stopped = false;
  private readonly loops: Promise<void>[];

  constructor(private readonly routerPort: number, private readonly app: string, workers = 4, private readonly pauseMs = 25) {
    this.loops = Array.from({ length: workers }, () => this.loop());
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const startedAt = Date.now();
      const answer = await probe(this.routerPort, this.app);
      this.records.push({ startedAt, endedAt: Date.now(), answer });
      await new Promise((r) => setTimeout(r, this.pauseMs));
    }
  }

  /** Stops sending and waits for the requests still in flight to end. */
  async stop(): Promise<LoadRecord[]> {
    this.stopped = true;
    await Promise.all(this.loops);
    return this.records;
  }

  failed(): LoadRecord[] {
    return this.records.filter((r) => r.answer.status !== 200);
  }

  /** Requests sent before `at` and not answered by then. */
  inFlightAt(at: number): number {
    return this.records.filter((r) => r.startedAt <= at && r.endedAt > at).length;
  }

  /** Requests on their way at some instant between `from` and `to`: sent before `to`, not answered before `from`. */
  inFlightDuring(from: number, to: number): LoadRecord[] {
    return this.records.filter((r) => r.startedAt <= to && r.endedAt > from);
  }

  /** Containers that answered a request sent after `since`. */
  answeredSince(since: number): Set<string> {
    return new Set(this.records.filter((r) => r.startedAt >= since && r.answer.status === 200 && r.answer.container).map((r) => r.answer.container!));
  }
}

/** A record as an assertion message shows it: its times relative to `origin` and what came back. */
export const describeRecord = (origin: number) => (r: LoadRecord): string =>
  `sent at +${r.startedAt - origin} ms, ended at +${r.endedAt - origin} ms: ${r.answer.status}${r.answer.error ? ` (${r.answer.error})` : ''}`;

export interface RunningTask {
  container: string;
  nodeId: string;
  nodeName: string;
  nodeState: string;
  nodeAvailability: string;
}

/** The app's tasks the manager reports running, with their nodes. */
export async function runningTasks(manager: Docker, app: string): Promise<RunningTask[]> {
  const services = await manager.listServices({ filters: { label: [`berth.app-name=${app}`, 'berth.role=formation'] } });
  if (services.length === 0) return [];
  const tasks = (await manager.listTasks({ filters: { service: services.map((s) => s.ID), 'desired-state': ['running'] } })) as Array<{
    NodeID?: string; Status?: { State?: string; ContainerStatus?: { ContainerID?: string } };
  }>;
  const nodes = new Map((await manager.listNodes()).map((n) => [n.ID, n]));
  return tasks
    .filter((t) => t.Status?.State === 'running' && t.Status.ContainerStatus?.ContainerID && t.NodeID)
    .map((t) => {
      const node = nodes.get(t.NodeID!);
      return {
        container: t.Status!.ContainerStatus!.ContainerID!, nodeId: t.NodeID!, nodeName: node?.Description?.Hostname ?? t.NodeID!,
        nodeState: node?.Status?.State ?? 'unknown', nodeAvailability: node?.Spec?.Availability ?? 'unknown',
      };
    });
}

/** Instances per node name, counting only tasks on ready nodes (a dead node's last report is not an instance). */
export function spread(tasks: RunningTask[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tasks) if (t.nodeState === 'ready') counts.set(t.nodeName, (counts.get(t.nodeName) ?? 0) + 1);
  return counts;
}

/**
 * True when `quantity` instances run on ready nodes (never on `deadNode`, which the manager goes on
 * calling ready for some seconds after it died) and every one of them answered through the router
 * a request sent after `since`: they are back and routed.
 */
export async function allServing(manager: Docker, app: string, load: RouterLoad, quantity: number, since: number, deadNode?: string): Promise<boolean> {
  const live = (await runningTasks(manager, app)).filter((t) => t.nodeState === 'ready' && t.nodeName !== deadNode);
  if (live.length !== quantity) return false;
  const answered = load.answeredSince(since);
  return live.every((t) => answered.has(t.container));
}
