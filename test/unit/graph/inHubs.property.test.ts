/**
 * In-hubs (graph/inHubs.ts): each vertex's in-neighbour with the most out-arcs, the first such in its
 * row, -1 without in-arcs, whatever ranges compute them; BFS's bottom-up steps look there first and
 * give the same depths as reading rows alone, on sorted and grouped graphs, in one range or several.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BFS_UNREACHED, bfs, bfsBottomUpStep } from '../../../src/graph/bfs.js';
import { buildGraph, type GraphCsr, groupGraph, mergedTranspose } from '../../../src/graph/csr.js';
import { HUB_ARCS_READ, inHubsDriver } from '../../../src/graph/inHubs.js';
import { runDriver } from '../../../src/graph/parallel.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { seededGraph } from './helpers.js';

const hubsOf = (g: GraphCsr, parts: number): Int32Array => runDriver(inHubsDriver(g.in!, g.out.offsets, parts), GRAPH_STEPS);

const smallGraph = fc
  .record({ n: fc.integer({ min: 1, max: 40 }), raw: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 400 }), parts: fc.integer({ min: 1, max: 5 }) })
  .map(({ n, raw, parts }) => ({ n, src: Int32Array.from(raw, ([u]) => u % n), dst: Int32Array.from(raw, ([, v]) => v % n), parts }));

describe('in-hubs', () => {
  it('name the first in-neighbour with the most out-arcs among a row\'s first arcs, or -1, in any number of ranges', () => {
    fc.assert(
      fc.property(smallGraph, ({ n, src, dst, parts }) => {
        const g = buildGraph({ n, src, dst }, { directed: true, inCsr: true });
        const hubs = hubsOf(g, parts);
        expect(hubs.length).toBe(n);
        const outArcs = (u: number): number => g.out.offsets[u + 1]! - g.out.offsets[u]!;
        for (let v = 0; v < n; v++) {
          const row = Array.from(g.in!.targets.subarray(g.in!.offsets[v]!, Math.min(g.in!.offsets[v + 1]!, g.in!.offsets[v]! + HUB_ARCS_READ)));
          if (row.length === 0) {
            expect(hubs[v]).toBe(-1);
            continue;
          }
          const most = Math.max(...row.map(outArcs));
          expect(hubs[v]).toBe(row.find((u) => outArcs(u) === most));
        }
        expect(hubsOf(g, 1)).toEqual(hubs);
      }),
      { numRuns: 200 },
    );
  });

  it('weigh only the first arcs of a long row', () => {
    // Vertex 0 has in-arcs from 1..100 (rows sorted: in that order); u has u out-arcs to 101.., except
    // 90, which has the most of all. Among the first HUB_ARCS_READ in-arcs the heaviest is HUB_ARCS_READ.
    const src: number[] = [];
    const dst: number[] = [];
    for (let u = 1; u <= 100; u++) {
      src.push(u);
      dst.push(0);
      for (let k = 1; k < (u === 90 ? 500 : u); k++) src.push(u), dst.push(100 + k);
    }
    const g = buildGraph({ n: 600, src: Int32Array.from(src), dst: Int32Array.from(dst) }, { directed: true, inCsr: true });
    expect(hubsOf(g, 1)[0]).toBe(HUB_ARCS_READ);
  });

  it('leave every depth of a direction-optimizing BFS as reading rows gives it', () => {
    for (const [seed, directed] of [[2, true], [7, true], [5, false]] as const) {
      // Skewed, 15 arcs a vertex: the middle levels go bottom-up (undirected: over the rows themselves).
      const rows = seededGraph(20_000, 300_000, directed, seed);
      const withHubs = { ...rows, inHubs: hubsOf(rows, 3) };
      for (const source of [0, 11, 19_999]) {
        const plain = bfs(rows, source, { direction: 'top-down' });
        for (const parts of [1, 4]) {
          expect(bfs(withHubs, source, { parts })).toEqual(plain);
          expect(bfs(rows, source, { parts })).toEqual(plain);
        }
      }
    }
  });

  it('leave the depths of a grouped graph (merged in-CSR, bottom-up steps split) unchanged', () => {
    fc.assert(
      fc.property(smallGraph, fc.nat(), ({ n, src, dst }, s) => {
        const grouped = groupGraph({ n, src, dst }, { directed: true });
        const g: GraphCsr = { ...grouped, in: mergedTranspose(grouped.out).in };
        const source = s % n;
        const plain = bfs(g, source, { direction: 'top-down' });
        expect(bfs({ ...g, inHubs: hubsOf(g, 2) }, source, { parts: 1, bottomUpParts: 2 })).toEqual(plain);
      }),
      { numRuns: 200 },
    );
  });

  it('let a bottom-up step reach a vertex whose hub is not in the frontier through its row', () => {
    // Vertex 3's in-neighbours: 0 (the hub: three out-arcs) and 1 (one). Only 1 is in the frontier.
    const g = buildGraph({ n: 4, src: Int32Array.of(0, 0, 0, 1), dst: Int32Array.of(1, 2, 3, 3) }, { directed: true, inCsr: true });
    const inHubs = hubsOf(g, 1);
    expect(inHubs[3]).toBe(0);
    const depth = Int32Array.of(0, 1, BFS_UNREACHED, BFS_UNREACHED);
    const next = new Int32Array(4);
    const args = {
      inOffsets: g.in!.offsets, inTargets: g.in!.targets, inHubs, outOffsets: g.out.offsets, depth, level: 1, next,
      frontierBits: Int32Array.of(1 << 1), nextBits: new Int32Array(1), pending: new Int32Array(1), pendingKnown: false,
    };
    expect(bfsBottomUpStep(args, 0, 4)[0]).toBe(1);
    expect(next[0]).toBe(3);
    expect(depth[3]).toBe(2);
    // Vertex 2's only in-neighbour (0) is not in the frontier: pending for a later step.
    expect(depth[2]).toBe(BFS_UNREACHED);
    expect(args.pending[0]).toBe(1 << 2);
  });
});
