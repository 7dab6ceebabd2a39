/**
 * BFS's bottom-up steps find parents in the frontier's bitmap (not in the depths, which do not stay in
 * cache on big graphs) and leave the bitmap of what they reached for the next bottom-up step: a range
 * owns whole words of it. Direction-optimizing searches split in ranges give the plain search's depths,
 * also on grouped rows (unsorted), where only the bottom-up steps are split.
 */
import { describe, expect, it } from 'vitest';
import { BFS_UNREACHED, bfs, bfsBottomUpStep, bfsDriver } from '../../../src/graph/bfs.js';
import { buildGraph, type GraphCsr, groupGraph, mergedTranspose } from '../../../src/graph/csr.js';
import { runDriver } from '../../../src/graph/parallel.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
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
    const pending = new Int32Array(3).fill(-1);
    const args = { inOffsets: g.in!.offsets, inTargets: g.in!.targets, outOffsets: g.out.offsets, depth, level: 0, next, frontierBits, nextBits, pending, pendingKnown: false };
    const [count] = bfsBottomUpStep(args, 0, 64);
    expect(count).toBe(1);
    expect(next[0]).toBe(3);
    expect(depth[3]).toBe(1);
    expect(depth[2]).toBe(BFS_UNREACHED);
    // Words 0 and 1 are the range's: cleared, then bit 3 set; word 2 (vertices 64-69) is another range's.
    expect([...nextBits]).toEqual([1 << 3, 0, -1]);
    // The first bottom-up step of a search lists what later ones may still reach: the unvisited vertices
    // with in-arcs that it did not reach (2 and 4-63), in its own words only.
    expect([...pending]).toEqual([~0b1011, -1, -1]);
  });

  it('once the pending vertices are known, looks only at them and drops those reached (now or since)', () => {
    const depth = new Int32Array(n).fill(BFS_UNREACHED);
    depth[0] = 0;
    depth[1] = 0;
    // Reached by a top-down step since the pending bits were written.
    depth[4] = 1;
    const frontierBits = new Int32Array(3);
    frontierBits[0] = 0b11;
    const nextBits = new Int32Array(3);
    const next = new Int32Array(n);
    // Vertex 2 has a parent in the frontier but is not pending: the step must not look at it.
    const pending = Int32Array.of((1 << 3) | (1 << 4), 1 << (40 - 32), 0);
    const args = { inOffsets: g.in!.offsets, inTargets: g.in!.targets, outOffsets: g.out.offsets, depth, level: 0, next, frontierBits, nextBits, pending, pendingKnown: true };
    expect(bfsBottomUpStep(args, 0, 64)[0]).toBe(1);
    expect(next[0]).toBe(3);
    expect(depth[3]).toBe(1);
    expect(depth[2]).toBe(BFS_UNREACHED);
    // 3 was reached, 4 had been: both leave; 40 (its parent 38 is not in the frontier) stays.
    expect([...pending]).toEqual([0, 1 << 8, 0]);
    expect([...nextBits]).toEqual([1 << 3, 0, 0]);
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

describe('BFS on grouped rows with an in-CSR', () => {
  /** The seeded graph's arcs as a grouped graph (rows in reversed input order) with its merged in-CSR. */
  function grouped(seed: number): GraphCsr {
    const sorted = seededGraph(20_000, 300_000, true, seed);
    const src = new Int32Array(sorted.out.m);
    for (let u = 0; u < sorted.n; u++) src.fill(u, sorted.out.offsets[u]!, sorted.out.offsets[u + 1]!);
    const g = groupGraph({ n: sorted.n, src: src.reverse(), dst: sorted.out.targets.slice().reverse() }, { directed: true });
    return { ...g, in: mergedTranspose(g.out).in };
  }

  it('splits only its bottom-up steps (top-down stays one range) and gives the plain depths', () => {
    for (const seed of [4, 9]) {
      const g = grouped(seed);
      for (const source of [0, 11]) {
        const plain = bfs(g, source, { direction: 'top-down' });
        for (const bottomUpParts of [1, 2, 5]) {
          const ranges: Record<string, number[]> = {};
          const counting = (function* () {
            const driver = bfsDriver(g, source, { parts: 1, bottomUpParts });
            let next = driver.next();
            while (!next.done) {
              (ranges[next.value.step] ??= []).push(next.value.ranges.length);
              next = driver.next(yield next.value);
            }
            return next.value;
          })();
          expect(runDriver(counting, GRAPH_STEPS)).toEqual(plain);
          expect(ranges['bfs.topDown']!.every((k) => k === 1)).toBe(true);
          // The search went bottom-up, in the ranges asked for.
          expect(ranges['bfs.bottomUp']!.length).toBeGreaterThan(0);
          expect(ranges['bfs.bottomUp']!.every((k) => k === bottomUpParts)).toBe(true);
        }
      }
    }
  });
});
