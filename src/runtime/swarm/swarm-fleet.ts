// The swarm's machines, through the manager's engine: what `berth nodes` lists and what nodes:drain,
// nodes:activate and nodes:remove change. The swarm owns every fact (availability, labels, tasks);
// Berth's "draining" is availability `pause` (nothing new placed there) plus the node label
// berth.drain=requested, so another Berth process, or this one after a restart, reads it back.
import type Docker from 'dockerode';
import { BerthError } from '../../domain/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { Fleet, FleetNode, JoinInstructions, Resources } from '../fleet.js';
import { LABEL } from '../docker/container-labels.js';
import { SCOPE_LABEL } from '../docker/docker-runtime.js';
import { joinInstructions } from './join-instructions.js';
import { availabilityOf, DRAIN_LABEL, DRAIN_REQUESTED, isHolding, nodeView, type BerthTask, type SwarmNodeInfo } from './swarm-node-view.js';

export type ManagerEngine = Pick<Docker, 'info' | 'swarmInspect' | 'listNodes' | 'listServices' | 'listTasks' | 'getNode'>;

export interface SwarmFleetOptions {
  manager: ManagerEngine;
  /** Whose instances count (one Berth per BERTH_HOME: the runtime's scope). */
  scope: string;
  /** Berth's registry: nodes pull from it and must trust its CA. */
  registry: { address: string; caCertificate: string };
  /** The machine's use on a node (node-meter.ts, the one owner of "used"); null while not known. */
  usage: { used(nodeId: string): Resources | null };
  logger: Logger;
}

type EngineError = { statusCode?: number };

export class SwarmFleet implements Fleet {
  constructor(private readonly opts: SwarmFleetOptions) {}

  async nodes(opts: { used?: boolean } = {}): Promise<FleetNode[]> {
    const [nodes, tasks, berths] = await Promise.all([
      this.swarmNodes(), this.opts.manager.listTasks({ filters: { 'desired-state': ['running'] } }) as Promise<BerthTask[]>, this.berthServiceIds(),
    ]);
    const used = (n: SwarmNodeInfo) => (opts.used && n.Status?.State === 'ready' ? this.opts.usage.used(n.ID) : null);
    const views = nodes.map((n) => nodeView(n, tasks, used(n), (t) => berths.has(t.ServiceID ?? '')));
    return views.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }

  async node(ref: string, opts: { used?: boolean } = {}): Promise<FleetNode> {
    return this.view((await this.resolve(ref)).ID, opts);
  }

  async joinInstructions(): Promise<JoinInstructions> {
    const swarm = (await this.opts.manager.swarmInspect()) as { JoinTokens?: { Worker?: string } };
    const info = (await this.opts.manager.info()) as { Swarm?: { NodeAddr?: string } };
    const workerToken = swarm.JoinTokens?.Worker;
    const managerAddress = info.Swarm?.NodeAddr;
    if (!workerToken || !managerAddress) throw new Error('the swarm manager reported no worker join token or address');
    return joinInstructions({ workerToken, managerAddress, registryAddress: this.opts.registry.address, registryCa: this.opts.registry.caCertificate });
  }

  async drain(ref: string): Promise<FleetNode> {
    const node = await this.resolve(ref);
    // pause, not drain: Swarm's drain would stop every task at once; Berth's balancer moves them
    // start-new-before-stop-old and then calls finishDrain.
    await this.update(node, 'pause', { [DRAIN_LABEL]: DRAIN_REQUESTED });
    this.opts.logger.info('node-draining', { node: node.ID, name: node.Description?.Hostname });
    return this.view(node.ID);
  }

  async activate(ref: string): Promise<FleetNode> {
    const node = await this.resolve(ref);
    await this.update(node, 'active', { [DRAIN_LABEL]: undefined });
    this.opts.logger.info('node-activated', { node: node.ID, name: node.Description?.Hostname });
    return this.view(node.ID);
  }

  async finishDrain(nodeId: string): Promise<void> {
    const node = await this.resolve(nodeId);
    // An operator may have activated it since the balancer saw it empty: that choice stands.
    if (availabilityOf(node) !== 'draining') return;
    await this.update(node, 'drain', { [DRAIN_LABEL]: undefined });
    this.opts.logger.info('node-drained', { node: node.ID, name: node.Description?.Hostname });
  }

  async remove(ref: string): Promise<void> {
    const node = await this.resolve(ref);
    const name = node.Description?.Hostname ?? node.ID;
    const self = ((await this.opts.manager.info()) as { Swarm?: { NodeID?: string } }).Swarm?.NodeID;
    if (node.ID === self) throw new BerthError('invalid_params', `${name} is the swarm manager Berth talks to; it cannot be removed from the swarm.`, 'node');
    const down = node.Status?.State === 'down';
    if (!down) {
      const running = (await this.berthTasks()).filter((t) => t.NodeID === node.ID && isHolding(t)).length;
      if (running > 0) {
        throw new BerthError('conflict', `${name} still runs ${running} Berth instance${running === 1 ? '' : 's'}; drain it first (berth nodes:drain ${name}) and remove it once it is drained.`, 'node');
      }
      // An active node could be given a new instance between this check and the removal.
      if ((node.Spec?.Availability ?? 'active') === 'active') {
        throw new BerthError('conflict', `${name} is up and active; drain it first (berth nodes:drain ${name}), then remove it.`, 'node');
      }
      if (node.Spec?.Role === 'manager') throw new BerthError('invalid_params', `${name} is a swarm manager; demote it (docker node demote ${name}) before removing it.`, 'node');
    }
    // --force: a node that is down cannot leave the swarm itself; a live one, empty of Berth's
    // instances, is removed the same way (the engine asks for force while the node is up).
    await this.opts.manager.getNode(node.ID).remove({ force: true }).catch((e: unknown) => {
      if ((e as EngineError).statusCode === 404) throw notFound(ref);
      throw e;
    });
    this.opts.logger.info('node-removed', { node: node.ID, name, wasDown: down });
  }

  private async view(id: string, opts: { used?: boolean } = {}): Promise<FleetNode> {
    const node = (await this.nodes(opts)).find((n) => n.id === id);
    if (!node) throw notFound(id);
    return node;
  }

  /** A node by its id or its hostname: the one rule of node(), drain, activate and remove. */
  private async resolve(ref: string): Promise<SwarmNodeInfo> {
    const nodes = await this.swarmNodes();
    const exact = nodes.find((n) => n.ID === ref);
    if (exact) return exact;
    const named = nodes.filter((n) => n.Description?.Hostname === ref);
    if (named.length > 1) {
      throw new BerthError('invalid_params', `${named.length} nodes are named ${ref} (${named.map((n) => `${n.ID.slice(0, 12)}: ${n.Status?.State ?? 'unknown'}`).join(', ')}); name one by its id.`, 'node');
    }
    if (named.length === 1) return named[0]!;
    throw notFound(ref);
  }

  private async update(node: SwarmNodeInfo, availability: 'active' | 'pause' | 'drain', labels: Record<string, string | undefined>): Promise<void> {
    const merged: Record<string, string> = { ...node.Spec?.Labels };
    for (const [k, v] of Object.entries(labels)) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    const spec = { ...node.Spec, Availability: availability, Labels: merged };
    await this.opts.manager.getNode(node.ID).update({ _query: { version: node.Version?.Index }, _body: spec } as never);
  }

  private async swarmNodes(): Promise<SwarmNodeInfo[]> {
    return (await this.opts.manager.listNodes()) as unknown as SwarmNodeInfo[];
  }

  /** This Berth's formation services. */
  private async berthServiceIds(): Promise<Set<string>> {
    const label = [`${LABEL.managed}=1`, `${SCOPE_LABEL}=${this.opts.scope}`, `${LABEL.role}=formation`];
    return new Set((await this.opts.manager.listServices({ filters: { label } })).map((s) => s.ID));
  }

  /** The tasks of this Berth's formation services that are meant to run. */
  private async berthTasks(): Promise<BerthTask[]> {
    const services = [...(await this.berthServiceIds())];
    if (services.length === 0) return [];
    return (await this.opts.manager.listTasks({ filters: { service: services, 'desired-state': ['running'] } })) as BerthTask[];
  }
}

const notFound = (ref: string) => new BerthError('not_found', `Couldn't find the node ${ref}.`, 'node');
