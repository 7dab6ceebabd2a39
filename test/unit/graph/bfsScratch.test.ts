/**
 * A BFS keeps its frontiers and bitmaps in scratch from the thread's pool (base/scratchPool.ts), reused
 * by the next search: only the depths are fresh. A search over a buffer another search left dirty gives
 * the plain depths, leaves the earlier result alone, and gives its scratch back also when a step fails.
 */
import { describe, expect, it } from 'vitest';
import { scratchPoolStats } from '../../../src/base/scratchPool.js';
import { bfs, bfsDriver } from '../../../src/graph/bfs.js';
import type { GraphCsr } from '../../../src/graph/csr.js';
import { lookupStep, runDriver, type StepTable } from '../../../src/graph/parallel.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { seededGraph } from './helpers.js';

/** The steps a search asked for, by name, in order. */
function stepsOf(g: GraphCsr, source: number, parts: number): { readonly depth: Int32Array; readonly steps: readonly string[] } {
  const steps: string[] = [];
  const counting = (function* () {
    const driver = bfsDriver(g, source, { parts });
    let next = driver.next();
    while (!next.done) {
      steps.push(next.value.step);
      next = driver.next(yield next.value);
    }
    return next.value;
  })();
  return { depth: runDriver(counting, GRAPH_STEPS), steps };
}

describe('BFS scratch', () => {
  it('is reused by the next search of the same size, which still gives the plain depths', () => {
    // Two graphs of one size: the second search's scratch holds the first's frontiers and bitmaps.
    const [a, b] = [seededGraph(20_000, 300_000, true, 5), seededGraph(20_000, 300_000, true, 6)];
    const plainA = bfs(a, 0, { direction: 'top-down' });
    const plainB = bfs(b, 7, { direction: 'top-down' });
    for (const parts of [1, 3]) {
      const first = bfs(a, 0, { parts });
      const reused = scratchPoolStats().reused;
      const second = bfs(b, 7, { parts });
      expect(scratchPoolStats().reused).toBeGreaterThan(reused);
      expect(second).toEqual(plainB);
      // The depths are the result, never scratch: the second search did not write them.
      expect(first).toEqual(plainA);
      expect(first.buffer).not.toBe(second.buffer);
    }
  });

  it('covers searches that go bottom-up more than once (the later steps visit only pending vertices)', () => {
    for (const seed of [3, 8, 12]) {
      const g = seededGraph(20_000, 300_000, true, seed);
      for (const source of [0, 11]) {
        const plain = bfs(g, source, { direction: 'top-down' });
        for (const parts of [1, 3]) {
          const { depth, steps } = stepsOf(g, source, parts);
          expect(depth).toEqual(plain);
          expect(steps.filter((s) => s === 'bfs.bottomUp').length).toBeGreaterThanOrEqual(2);
        }
      }
    }
  });

  it('goes back to the pool when a step fails, and the next search is right', () => {
    const g = seededGraph(5_000, 60_000, true, 4);
    const failing: StepTable = {
      ...GRAPH_STEPS,
      'bfs.bottomUp': () => {
        throw new Error('step failed');
      },
    };
    const driver = bfsDriver(g, 0, { parts: 2 });
    // What runDriverTask does with a failing step: closes the driver.
    const recycled = scratchPoolStats().recycled;
    let failed = false;
    for (let next = driver.next(); !next.done && !failed; ) {
      const request = next.value;
      try {
        next = driver.next(request.ranges.map(([lo, hi]) => lookupStep(failing, request.step)(request.args, lo, hi)));
      } catch {
        failed = true;
        driver.return(new Int32Array(0));
      }
    }
    expect(failed).toBe(true);
    expect(scratchPoolStats().recycled).toBe(recycled + 1);
    const reused = scratchPoolStats().reused;
    expect(bfs(g, 0, { parts: 2 })).toEqual(bfs(g, 0, { direction: 'top-down' }));
    expect(scratchPoolStats().reused).toBeGreaterThan(reused);
  });
});
