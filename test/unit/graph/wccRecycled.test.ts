/**
 * WCC's labels are made in recycled memory (graph/wcc.ts, base/recycledBuffers.ts): once an earlier
 * result of their size is collected, the next labels are written over its old values without zeroing,
 * so every label must be written — the same labels as in fresh memory.
 */
import { describe, expect, it } from 'vitest';
import { recycledBufferStats, trailerId } from '../../../src/base/recycledBuffers.js';
import { wcc } from '../../../src/graph/wcc.js';
import { collectGarbage } from '../../support/collect.js';
import { seededGraph } from './helpers.js';

describe('WCC labels in recycled memory', () => {
  it('labels a graph over the dead labels of another of its size as in fresh memory', async () => {
    // 70,000 vertices: 280 KB of labels, recycled.
    const other = seededGraph(70_000, 90_000, true, 5);
    const g = seededGraph(70_000, 150_000, false, 9);
    const expected = Array.from(wcc(g));
    let old: Int32Array | undefined = wcc(other);
    expect(trailerId(old.buffer)).toBeDefined();
    old = undefined;
    await collectGarbage();
    const reused = recycledBufferStats().reused;
    const labels = wcc(g);
    expect(recycledBufferStats().reused).toBe(reused + 1);
    expect(Array.from(labels)).toEqual(expected);
    // Components are labelled by their smallest vertex: some are not all of the graph.
    expect(new Set(expected).size).toBeGreaterThan(1);
  });
});
