// The machines a runtime of several runs instances on (the swarm runtime's nodes), as the node API,
// the placement of new instances and the fleet balancer see them. The engine (Swarm) owns every
// fact here: Berth reads it back, never keeps a copy of its own.

/** `draining`: Berth is moving its instances away (start new, then stop old); `drain` once it is empty. */
export type NodeAvailability = 'active' | 'draining' | 'drain' | 'pause';
export type NodeState = 'ready' | 'down' | 'disconnected' | 'unknown';

export interface Resources {
  /** CPUs (1 = one core) and bytes of memory. */
  cpus: number;
  memoryBytes: number;
}

export interface FleetNode {
  id: string;
  /** The node's hostname. */
  name: string;
  /** The address the swarm knows it by: where the router reaches its instances. */
  address: string;
  role: 'manager' | 'worker';
  leader: boolean;
  availability: NodeAvailability;
  state: NodeState;
  /** Berth's instances (formation tasks) on it now. */
  instances: number;
  capacity: Resources;
  /** What the instances placed on it reserve (their sizes). */
  reserved: Resources;
  /**
   * What the machine uses now (all of it, not only Berth's instances: CPUs busy, memory total −
   * available), when asked for and the node's meter has reported lately; null otherwise.
   */
  used: Resources | null;
}

/** What a new machine runs to join, and what its firewall must let through. */
export interface JoinInstructions {
  /** Shell commands, in order, for the operator to run as root on the new machine. */
  commands: string[];
  /** The ports the swarm needs open between machines, e.g. `2377/tcp`. */
  ports: string[];
}

export interface Fleet {
  /**
   * The nodes. `used` is filled in only when asked (`{ used: true }`, what `berth nodes` shows);
   * callers of placement facts (the balancer) leave it null.
   */
  nodes(opts?: { used?: boolean }): Promise<FleetNode[]>;
  /** One node, by its id or by a hostname only one node has (the rule every node command resolves by). */
  node(ref: string, opts?: { used?: boolean }): Promise<FleetNode>;
  joinInstructions(): Promise<JoinInstructions>;
  /**
   * Starts draining a node (by id or hostname): nothing new is placed on it, the fleet balancer
   * moves its instances away one at a time, then the node is drained.
   */
  drain(node: string): Promise<FleetNode>;
  /** Marks a drained (or draining) node as active again: new instances may be placed on it. */
  activate(node: string): Promise<FleetNode>;
  /**
   * Removes a node from the swarm: one that is down, or drained with nothing of Berth's left on it;
   * refuses one that still runs instances (drain it first), saying so.
   */
  remove(node: string): Promise<void>;
  /** Ends a drain the balancer has emptied: the engine drains what is left (nothing of Berth's). */
  finishDrain(nodeId: string): Promise<void>;
}
