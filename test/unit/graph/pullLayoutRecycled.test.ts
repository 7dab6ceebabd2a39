/**
 * PageRank's slot layout (graph/pullLayout.ts) lives as long as its graph, so its arrays take recycled
 * memory (base/recycledBuffers.ts) — and, all but the inverse out-degrees, without zeroing: once an
 * earlier layout of the same size is collected, the next is written over its old values. Every
 * element must therefore be written, and the layout must equal one built in fresh memory.
 */
import { describe, expect, it } from 'vitest';
import { recycledBufferStats, trailerId } from '../../../src/base/recycledBuffers.js';
import { buildGraph, type GraphCsr } from '../../../src/graph/csr.js';
import { type PullLayout, pullLayout } from '../../../src/graph/pullLayout.js';
import { collectGarbage } from '../../support/collect.js';
import { seededInts } from './helpers.js';

/**
 * 70,000 vertices and 300,000 arcs, half of them into 100 hubs: positions (280 KB), long rows' sources
 * (~600 KB) and slots all big enough to be recycled. Seeds give graphs of one size and other arcs.
 */
function graph(seed: number): GraphCsr {
  const n = 70_000;
  const arcs = 300_000;
  const next = seededInts(seed);
  const src = Int32Array.from({ length: arcs }, () => next(n));
  const dst = Int32Array.from({ length: arcs }, (_, i) => (i % 2 === 0 ? next(100) : next(n)));
  return buildGraph({ n, src, dst }, { directed: true, inCsr: true, duplicates: 'keep' });
}

const plain = (l: PullLayout) => ({
  position: Array.from(l.position),
  isolated: Array.from(l.isolated),
  sinks: Array.from(l.sinks),
  long: Array.from(l.long),
  longOffsets: Array.from(l.longOffsets),
  longSources: Array.from(l.longSources),
  inverseOutDegree: Array.from(l.inverseOutDegree),
  classes: l.classes.map((c) => ({ width: c.width, vertices: Array.from(c.vertices), slots: Array.from(c.slots) })),
});

describe('the slot pull layout in recycled memory', () => {
  it('writes every element of the next layout over a dead one of its size', async () => {
    let first: PullLayout | undefined = pullLayout(graph(1));
    for (const a of [first.position, first.longSources, first.inverseOutDegree]) expect(trailerId(a.buffer)).toBeDefined();
    // Dirty it: whatever the next layout does not write would show.
    first.position.fill(-7);
    first.longSources.fill(-7);
    first.inverseOutDegree.fill(-7);
    first = undefined;
    await collectGarbage();
    const before = recycledBufferStats().reused;
    const second = graph(2);
    const reusedByBuild = recycledBufferStats().reused - before;
    const layout = pullLayout(second);
    expect(recycledBufferStats().reused - before - reusedByBuild).toBeGreaterThanOrEqual(3);
    expect(layout.long.length).toBeGreaterThan(0);
    expect(layout.sinks.length).toBeGreaterThan(0);
    // The reference: the same layout once recycled memory is out of reach (fresh buffers, zeroed).
    const fresh = pullLayout(second);
    expect(plain(layout)).toEqual(plain(fresh));
  });
});
