// The network a sandbox (a local instance, a one-off, a build) gets on this host: its own network
// namespace with one interface whose only neighbour is the host. The runtime and the builder
// depend on this small contract; main/ wires the bridge implementation in.

/** A sandbox's place on the network, as the process that enters it and the router need it. */
export interface SandboxAttachment {
  /** The named network namespace (`/run/netns/berth-<id>`), to enter with `nsenter --net=`. */
  netnsPath: string;
  /** The sandbox's own IPv4 address: where the router and the health check reach it. */
  address: string;
  /** The host's address on the sandbox network: the sandbox's default route, and where add-on servers listen. */
  gateway: string;
}

export interface SandboxNetwork {
  /** The host's address on the sandbox network. */
  readonly gateway: string;
  /** The whole sandbox network (CIDR), e.g. for pg_hba. */
  readonly subnet: string;
  /** Sets up the host side once (bridge, firewall); safe to call again and from several Berths at once. */
  prepare(): Promise<void>;
  /** A new namespace named after `id`, wired to the host; the same id may not be attached twice. */
  attach(id: string): Promise<SandboxAttachment>;
  /** Removes the namespace and its veth, and frees the address; a no-op for an unknown id. */
  detach(id: string): Promise<void>;
  /** Whether `id` still has a namespace (left behind by a crash, say). */
  isAttached(id: string): Promise<boolean>;
}
