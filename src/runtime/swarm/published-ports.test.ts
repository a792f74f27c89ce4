import { expect, it } from 'vitest';
import { choosePublishedPort, PUBLISHED_PORT_RANGE } from './published-ports.js';

it('picks a port in the range that no service of the swarm publishes yet', () => {
  const { first, last } = PUBLISHED_PORT_RANGE;
  const taken = new Set<number>();
  for (let port = first; port <= last; port++) if (port !== first + 7) taken.add(port);
  expect(choosePublishedPort(taken)).toBe(first + 7);
  taken.add(first + 7);
  expect(() => choosePublishedPort(taken)).toThrow(/every published port of the swarm is taken/);
});
