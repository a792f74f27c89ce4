// /nodes (admin only; a Berth extension, Heroku has no machines to show): the swarm's nodes,
// the join command a new machine runs, drain/activate (PATCH {"availability"}) and removal.
import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../domain/errors.js';
import type { Fleet, FleetNode, JoinInstructions } from '../../runtime/fleet.js';
import { getNode, listNodes, nodeJoinInstructions, removeNode, setNodeAvailability, type NodeDeps } from '../../services/nodes.js';
import type { ApiContext } from '../api-context.js';
import { actorOf } from '../authentication.js';

export function nodeRoutes(d: { fleet: Fleet | undefined }) {
  return (app: FastifyInstance, ctx: ApiContext): void => {
    const deps: NodeDeps = { ...ctx, fleet: d.fleet };

    app.get('/nodes', async (req) => (await listNodes(deps, actorOf(req))).map(nodeJson));

    // Before /nodes/:node, so that a node named join-command is still reachable by its id.
    app.get('/nodes/join-command', async (req) => joinJson(await nodeJoinInstructions(deps, actorOf(req))));

    app.get<{ Params: { node: string } }>('/nodes/:node', async (req) => nodeJson(await getNode(deps, actorOf(req), req.params.node)));

    app.patch<{ Params: { node: string }; Body: Record<string, unknown> | undefined }>('/nodes/:node', async (req) => {
      const availability = req.body?.availability;
      if (availability !== 'drain' && availability !== 'active') {
        throw new BerthError('invalid_params', 'availability must be "drain" or "active".', 'node');
      }
      return nodeJson(await setNodeAvailability(deps, actorOf(req), req.params.node, availability));
    });

    // As Heroku's DELETEs do, the answer is the resource as it was.
    app.delete<{ Params: { node: string } }>('/nodes/:node', async (req) => {
      const node = await getNode(deps, actorOf(req), req.params.node);
      await removeNode(deps, actorOf(req), node.id);
      return nodeJson(node);
    });
  };
}

const resources = (r: { cpus: number; memoryBytes: number }) => ({ cpus: r.cpus, memory_bytes: r.memoryBytes });

export function nodeJson(n: FleetNode) {
  return {
    id: n.id, name: n.name, address: n.address, role: n.role, leader: n.leader,
    availability: n.availability, state: n.state, instances: n.instances,
    capacity: resources(n.capacity), reserved: resources(n.reserved), used: n.used && resources(n.used),
  };
}

const joinJson = (j: JoinInstructions) => ({ commands: j.commands, ports: j.ports });
