/**
 * PageRank's slot layout (graph/pullLayout.ts), over the in-CSR or from the out-arcs, lives as long as
 * its graph, so its arrays take recycled memory (base/recycledBuffers.ts) — and, all but the inverse
 * out-degrees, without zeroing: once an earlier layout of the same size is collected, the next is
 * written over its old values. Every element must therefore be written, and the layout must equal one
 * built in fresh memory.
 */
import { describe, expect, it } from 'vitest';
import { recycledBufferStats, trailerId } from '../../../src/base/recycledBuffers.js';
import { buildGraph, type GraphCsr } from '../../../src/graph/csr.js';
import { type PullLayout, pullLayout } from '../../../src/graph/pullLayout.js';
import { pullLayoutFromOut } from '../../../src/graph/pullLayoutFromOut.js';
import { collectGarbage } from '../../support/collect.js';
import { plainLayout, seededInts } from './helpers.js';

/**
 * 70,000 vertices and 300,000 arcs, half of them into 100 hubs: positions (280 KB), inverse out-degrees
 * (560 KB) and the slots with the long rows' sources (1.4 MB) all big enough to be recycled. Seeds give
 * graphs of one size and other arcs.
 */
function graph(seed: number): GraphCsr {
  const n = 70_000;
  const arcs = 300_000;
  const next = seededInts(seed);
  const src = Int32Array.from({ length: arcs }, () => next(n));
  const dst = Int32Array.from({ length: arcs }, (_, i) => (i % 2 === 0 ? next(100) : next(n)));
  return buildGraph({ n, src, dst }, { directed: true, inCsr: true, duplicates: 'keep' });
}

/** Without its in-CSR: `pullLayoutFromOut` then places the arcs itself. */
const outOnly = (g: GraphCsr): GraphCsr => ({ ...g, in: undefined });

describe('the slot pull layout in recycled memory', () => {
  it.each([
    ['over the in-CSR', (g: GraphCsr) => pullLayout(g)],
    ['from the out-arcs', (g: GraphCsr) => pullLayoutFromOut(outOnly(g))],
  ])('%s, writes every element of the next layout over a dead one of its size', async (_, build) => {
    let first: PullLayout | undefined = build(graph(1));
    // forEach, not for-of: a for-of's variable kept its last array alive in this async function, and the
    // memory behind it out of reuse.
    [first.position, first.longSources, first.inverseOutDegree].forEach((a) => expect(trailerId(a.buffer)).toBeDefined());
    // Dirty it: whatever the next layout does not write would show.
    first.position.fill(-7);
    first.longSources.fill(-7);
    first.classes.forEach((c) => c.slots.fill(-7));
    first.inverseOutDegree.fill(-7);
    first = undefined;
    await collectGarbage();
    const before = recycledBufferStats().reused;
    const second = graph(2);
    const reusedByBuild = recycledBufferStats().reused - before;
    const layout = build(second);
    // Position, inverse out-degrees, and the slots with the long rows' sources (one buffer).
    expect(recycledBufferStats().reused - before - reusedByBuild).toBeGreaterThanOrEqual(3);
    expect(layout.long.length).toBeGreaterThan(0);
    expect(layout.sinks.length).toBeGreaterThan(0);
    // The reference: the layout over the in-CSR once recycled memory is out of reach (fresh buffers, zeroed).
    const fresh = pullLayout(second);
    expect(plainLayout(layout)).toEqual(plainLayout(fresh));
  });
});
