import { describe, expect, it } from 'vitest';
import { placeInstance, reservationOf, type PlacedInstance, type PlacementNode, type PlacementRequest } from './placement.js';
import { findSize, INSTANCE_SIZES } from './sizes.js';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

function node(name: string, over: Partial<PlacementNode> = {}): PlacementNode {
  return { id: `id-${name}`, name, availability: 'active', state: 'ready', capacity: { cpus: 4, memoryBytes: 8 * GB }, reserved: { cpus: 0, memoryBytes: 0 }, ...over };
}

const web = (dyno = 'web.1', size = 'standard-1x'): PlacementRequest => ({ appId: 'app-a', processType: 'web', dyno, reservation: reservationOf(findSize(size)!) });
const on = (nodeName: string, appId = 'app-a', processType = 'web'): PlacedInstance => ({ nodeId: `id-${nodeName}`, appId, processType });
const chosen = (decision: ReturnType<typeof placeInstance>) => ('node' in decision ? decision.node.name : `refused: ${decision.refused}`);

describe('placement: spread', () => {
  it('spreads one process type: 4 instances over 3 nodes end up 2, 1, 1', () => {
    const nodes = [node('node1'), node('node2'), node('node3')];
    const placed: PlacedInstance[] = [];
    for (let i = 1; i <= 4; i++) {
      const decision = placeInstance(nodes, placed, web(`web.${i}`));
      if (!('node' in decision)) throw new Error(decision.refused);
      placed.push({ nodeId: decision.node.id, appId: 'app-a', processType: 'web' });
    }
    const perNode = nodes.map((n) => placed.filter((p) => p.nodeId === n.id).length);
    expect(perNode.sort()).toEqual([1, 1, 2]);
  });

  it("puts a type where it has the fewest instances, even on the fleet's busiest node", () => {
    const nodes = [node('node1'), node('node2')];
    // node1 runs three other apps' instances, node2 runs this app's web once already.
    const placed = [on('node1', 'app-b'), on('node1', 'app-c'), on('node1', 'app-d'), on('node2')];
    expect(chosen(placeInstance(nodes, placed, web('web.2')))).toBe('node1');
  });

  it('spreads each process type on its own: a worker does not avoid the node that runs web', () => {
    const nodes = [node('node1'), node('node2')];
    const placed = [on('node1'), on('node2', 'app-b')];
    // Both nodes have no worker of app-a and one instance overall: the tie goes on to free memory, then the name.
    expect(chosen(placeInstance(nodes, placed, { ...web('worker.1'), processType: 'worker' }))).toBe('node1');
  });

  it('breaks a tie of the type by fewest instances overall, then most free memory, then name', () => {
    const busy = [on('node1', 'app-b')];
    expect(chosen(placeInstance([node('node1'), node('node2')], busy, web()))).toBe('node2');
    const roomier = node('node1', { reserved: { cpus: 0, memoryBytes: 0 }, capacity: { cpus: 4, memoryBytes: 16 * GB } });
    expect(chosen(placeInstance([node('node2'), roomier], [], web()))).toBe('node1');
    expect(chosen(placeInstance([node('node2'), node('node1')], [], web()))).toBe('node1');
  });
});

describe('placement: reservations', () => {
  it('reserves a size whole: its memory limit and its CPU share', () => {
    expect(reservationOf(findSize('basic')!)).toEqual({ cpus: 0.5, memoryBytes: 512 * MB });
    expect(reservationOf(findSize('performance-m')!)).toEqual({ cpus: 2, memoryBytes: 2560 * MB });
    for (const size of INSTANCE_SIZES) expect(reservationOf(size).memoryBytes).toBe(size.memoryMb * MB);
  });

  it('never overcommits: a node whose free CPU or memory is short is passed over', () => {
    const fullCpu = node('node1', { reserved: { cpus: 3.5, memoryBytes: 1 * GB } });
    const fullMemory = node('node2', { reserved: { cpus: 0, memoryBytes: 8 * GB - 256 * MB } });
    const roomy = node('node3', { reserved: { cpus: 3, memoryBytes: 4 * GB } });
    // node3 is the busiest by reservations but the only one with 1 CPU and 512 MB free.
    expect(chosen(placeInstance([fullCpu, fullMemory, roomy], [on('node3'), on('node3')], web()))).toBe('node3');
  });

  it('fills a node exactly to its capacity, shares of a CPU included', () => {
    const n = node('node1', { capacity: { cpus: 1, memoryBytes: 2 * GB }, reserved: { cpus: 0.75, memoryBytes: 1536 * MB } });
    expect(chosen(placeInstance([n], [], web('web.1', 'eco')))).toBe('node1');
  });

  it('refuses when nothing fits, naming what is needed and what each node has free', () => {
    const nodes = [
      node('node2', { capacity: { cpus: 2, memoryBytes: 4 * GB }, reserved: { cpus: 1.5, memoryBytes: 1 * GB } }),
      node('node1', { capacity: { cpus: 2, memoryBytes: 4 * GB }, reserved: { cpus: 1.5, memoryBytes: 2 * GB } }),
      node('node3', { state: 'down' }),
    ];
    expect(placeInstance(nodes, [], web('web.3'))).toEqual({
      refused: 'web.3 needs 1 CPU and 512 MB; no node has that free: node1 has 0.5 CPU and 2 GB free, node2 has 0.5 CPU and 3 GB free',
    });
  });

  it('refuses a size bigger than any node', () => {
    const decision = placeInstance([node('node1'), node('node2')], [], web('web.1', 'performance-l'));
    expect(decision).toEqual({ refused: 'web.1 needs 8 CPU and 14 GB; no node has that free: node1 has 4 CPU and 8 GB free, node2 has 4 CPU and 8 GB free' });
  });
});

describe('placement: which nodes may take instances', () => {
  it('skips paused, draining, drained, down and disconnected nodes, however empty', () => {
    const nodes = [
      node('node1', { availability: 'pause' }), node('node2', { availability: 'draining' }), node('node3', { availability: 'drain' }),
      node('node4', { state: 'down' }), node('node5', { state: 'disconnected' }), node('node6'),
    ];
    const busy = [on('node6'), on('node6'), on('node6')];
    expect(chosen(placeInstance(nodes, busy, web()))).toBe('node6');
  });

  it('refuses when no node is active and ready, saying what each one is', () => {
    const nodes = [node('node2', { state: 'down' }), node('node1', { availability: 'drain' })];
    expect(placeInstance(nodes, [], web('web.2'))).toEqual({ refused: 'web.2 cannot start: no node is active and ready (node1 is drain, node2 is down)' });
    expect(placeInstance([], [], web('web.2'))).toEqual({ refused: 'web.2 cannot start: no node is active and ready' });
  });
});
