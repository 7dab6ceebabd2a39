/**
 * BFS's bottom-up steps find parents in the frontier's bitmap (not in the depths, which do not stay in
 * cache on big graphs) and leave the bitmap of what they reached for the next bottom-up step: a range
 * owns whole words of it. Direction-optimizing searches split in ranges give the plain search's depths.
 */
import { describe, expect, it } from 'vitest';
import { BFS_UNREACHED, bfs, bfsBottomUpStep } from '../../../src/graph/bfs.js';
import { buildGraph } from '../../../src/graph/csr.js';
import { seededGraph } from './helpers.js';

describe('bfsBottomUpStep', () => {
  // Arcs 0->2, 1->3, 2->4, 3->5 ... : vertex v's only in-neighbour is v - 2.
  const n = 70;
  const g = buildGraph({ n, src: Int32Array.from({ length: n - 2 }, (_, i) => i), dst: Int32Array.from({ length: n - 2 }, (_, i) => i + 2) }, { directed: true, inCsr: true });

  it('reaches the vertices with a parent in the frontier bitmap and sets their bits in its own words', () => {
    const depth = new Int32Array(n).fill(BFS_UNREACHED);
    // Vertices 0 and 1 are at depth 0, but only 1 is in the frontier given.
    depth[0] = 0;
    depth[1] = 0;
    const frontierBits = new Int32Array(3);
    frontierBits[0] = 1 << 1;
    const nextBits = new Int32Array(3).fill(-1);
    const next = new Int32Array(n);
    const [count] = bfsBottomUpStep({ inOffsets: g.in!.offsets, inTargets: g.in!.targets, outOffsets: g.out.offsets, depth, level: 0, next, frontierBits, nextBits }, 0, 64);
    expect(count).toBe(1);
    expect(next[0]).toBe(3);
    expect(depth[3]).toBe(1);
    expect(depth[2]).toBe(BFS_UNREACHED);
    // Words 0 and 1 are the range's: cleared, then bit 3 set; word 2 (vertices 64-69) is another range's.
    expect([...nextBits]).toEqual([1 << 3, 0, -1]);
  });
});

describe('direction-optimizing BFS in ranges', () => {
  it('gives the depths of the one-range top-down search', () => {
    for (const seed of [3, 8]) {
      // Skewed, 15 arcs a vertex: the middle levels go bottom-up.
      const g = seededGraph(20_000, 300_000, true, seed);
      for (const source of [0, 11]) {
        const plain = bfs(g, source, { direction: 'top-down' });
        for (const parts of [1, 3, 8]) expect(bfs(g, source, { parts })).toEqual(plain);
      }
    }
  });
});
