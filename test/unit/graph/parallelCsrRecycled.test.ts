/**
 * A CSR built in parts (graph/parallelCsr.ts) writes its targets and weights into recycled memory
 * (base/recycledBuffers.ts): once an earlier graph of its size is collected, the next one is written
 * over that graph's old values without zeroing them first — so every slot must be written, and the
 * result must still be `buildGraph`'s (or `transposeCsr`'s) array for array.
 */
import { describe, expect, it } from 'vitest';
import { recycledBufferStats, trailerId } from '../../../src/base/recycledBuffers.js';
import { buildGraph, type Csr, type CsrBuildOptions, type EdgeList, transposeCsr } from '../../../src/graph/csr.js';
import { runDriver } from '../../../src/graph/parallel.js';
import { buildGraphDriver, transposeDriver } from '../../../src/graph/parallelCsr.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { collectGarbage } from '../../support/collect.js';
import { seededInts } from './helpers.js';

/** 80,000 weighted arcs over 5,000 vertices (320 KB of targets, 640 KB of weights: both recycled), from `seed`. */
function edges(seed: number): EdgeList {
  const n = 5000;
  const arcs = 80_000;
  const next = seededInts(seed);
  const src = Int32Array.from({ length: arcs }, () => next(n));
  const dst = Int32Array.from({ length: arcs }, () => next(n));
  const weights = Float64Array.from({ length: arcs }, () => next(1000) / 8);
  return { n, src, dst, weights };
}

const arrays = (c: Csr) => ({ m: c.m, offsets: Array.from(c.offsets), targets: Array.from(c.targets), weights: c.weights && Array.from(c.weights) });
const KEEP: CsrBuildOptions = { directed: true, duplicates: 'keep' };
const PARTS = { parts: 3, fromArcs: 0 };

describe('a CSR built in parts in recycled memory', () => {
  it('writes every arc of the next graph over a dead one of its size', async () => {
    let first: Csr | undefined = runDriver(buildGraphDriver(edges(1), KEEP, PARTS), GRAPH_STEPS).out;
    expect(trailerId(first.targets.buffer)).toBeDefined();
    expect(trailerId(first.weights!.buffer)).toBeDefined();
    first = undefined;
    await collectGarbage();
    const before = recycledBufferStats().reused;
    const second = edges(2);
    const built = runDriver(buildGraphDriver(second, KEEP, PARTS), GRAPH_STEPS).out;
    // Its targets and weights took the first graph's memory, old values and all.
    expect(recycledBufferStats().reused).toBe(before + 2);
    expect(arrays(built)).toEqual(arrays(buildGraph(second, KEEP).out));
  });

  it('transposes the next graph over the memory of a dead transpose', async () => {
    const one = buildGraph(edges(3), KEEP).out;
    let first: Csr | undefined = runDriver(transposeDriver(one, PARTS), GRAPH_STEPS);
    expect(trailerId(first.targets.buffer)).toBeDefined();
    first = undefined;
    await collectGarbage();
    const before = recycledBufferStats().reused;
    const two = buildGraph(edges(4), KEEP).out;
    const reusedByBuild = recycledBufferStats().reused - before;
    const transposed = runDriver(transposeDriver(two, PARTS), GRAPH_STEPS);
    expect(recycledBufferStats().reused - before - reusedByBuild).toBeGreaterThanOrEqual(1);
    expect(arrays(transposed)).toEqual(arrays(transposeCsr(two)));
  });

  it('merges the repeats of the next graph over the memory of a dead merged one, every arc written', async () => {
    const MERGE: CsrBuildOptions = { directed: true, duplicates: 'merge' };
    let first: Csr | undefined = buildGraph(edges(5), MERGE).out;
    expect(first.m).toBeLessThan(80_000);
    expect(trailerId(first.targets.buffer)).toBeDefined();
    first.targets.fill(-7);
    first.weights!.fill(-7);
    first = undefined;
    await collectGarbage();
    const before = recycledBufferStats().reused;
    const built = buildGraph(edges(6), MERGE).out;
    expect(recycledBufferStats().reused - before).toBeGreaterThanOrEqual(2);
    // The reference, built while `built` holds the recycled memory: fresh buffers.
    expect(arrays(built)).toEqual(arrays(buildGraph(edges(6), MERGE).out));
  });
});
