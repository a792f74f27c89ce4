// Which node port an instance is published on (host mode, never the ingress mesh). Swarm's
// scheduler places a task only on a node where its published port is free among swarm tasks, so
// a port taken by no service of the swarm fits on every node; the range sits below Linux's
// ephemeral ports (32768+), where outgoing connections would take ports at random.
import { randomInt } from 'node:crypto';

export const PUBLISHED_PORT_RANGE = { first: 20_000, last: 29_999 } as const;

export function choosePublishedPort(taken: ReadonlySet<number>): number {
  const size = PUBLISHED_PORT_RANGE.last - PUBLISHED_PORT_RANGE.first + 1;
  if (taken.size >= size) throw new Error('every published port of the swarm is taken');
  // Random, then the next free one: two Berth processes choosing at once rarely collide.
  const start = randomInt(size);
  for (let i = 0; i < size; i++) {
    const port = PUBLISHED_PORT_RANGE.first + ((start + i) % size);
    if (!taken.has(port)) return port;
  }
  throw new Error('every published port of the swarm is taken');
}
