/**
 * When a direction-optimizing search goes back top-down (graph/bfs.ts): Beamer's rule goes back once
 * the frontier is small and shrinking, but after the first bottom-up step the driver also knows what a
 * further bottom-up step would read — the in-arcs of the vertices still pending — and stays bottom-up
 * while that is less than the frontier's out-arcs. On R-MAT the last frontier's out-arcs lead only to
 * reached vertices (s16: a top-down step of 0.1 ms found nothing) while a few dozen vertices are pending.
 * A long thin tail still goes top-down, or every level would read the pending bitmap.
 */
import { describe, expect, it } from 'vitest';
import { bfs, bfsDriver } from '../../../src/graph/bfs.js';
import { buildGraph, type GraphCsr } from '../../../src/graph/csr.js';
import { runDriver } from '../../../src/graph/parallel.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { seededGraph } from './helpers.js';

interface Step {
  readonly step: string;
  /** Vertices reached (a multi-level top-down step: its last frontier's size). */
  readonly reached: number;
  /** A bottom-up step's new frontier's out-arcs and its pending vertices' in-arcs. */
  readonly arcs: number;
  readonly pendingArcs: number;
}

/** The steps a search on one range asked for, in order, with what each returned. */
function stepsOf(g: GraphCsr, source: number): { readonly depth: Int32Array; readonly steps: readonly Step[] } {
  const steps: Step[] = [];
  const recording = (function* () {
    const driver = bfsDriver(g, source, { parts: 1 });
    let next = driver.next();
    while (!next.done) {
      const step = next.value.step;
      const results = (yield next.value) as readonly (readonly number[])[];
      const [reached = 0, arcs = 0, pendingArcs = 0] = results[0] ?? [];
      if (step !== 'bfs.fill') steps.push({ step, reached, arcs, pendingArcs });
      next = driver.next(results as never);
    }
    return next.value;
  })();
  return { depth: runDriver(recording, GRAPH_STEPS), steps };
}

describe('BFS going back top-down', () => {
  it('goes back top-down only where that reads fewer arcs than staying bottom-up', () => {
    for (const seed of [3, 8, 12]) {
      const g = seededGraph(20_000, 300_000, true, seed);
      const { depth, steps } = stepsOf(g, 0);
      expect(depth).toEqual(bfs(g, 0, { direction: 'top-down' }));
      const words = Math.ceil(g.n / 32);
      let bottomUps = 0;
      steps.forEach((s, i) => {
        const before = steps[i - 1];
        if (s.step === 'bfs.bottomUp') bottomUps++;
        // Back to top-down only where expanding the frontier reads fewer arcs than a bottom-up step would.
        else if (before?.step === 'bfs.bottomUp') expect(before.arcs).toBeLessThan(before.pendingArcs + words);
      });
      expect(bottomUps).toBeGreaterThanOrEqual(3);
    }
  });

  it('goes top-down for a long thin tail after the bottom-up steps', () => {
    // A dense core (every vertex of 0..399 reaches 40 others) with a path of 300 vertices hanging off it.
    const core = 400;
    const tail = 300;
    const src: number[] = [];
    const dst: number[] = [];
    for (let u = 0; u < core; u++) for (let k = 1; k <= 40; k++) src.push(u), dst.push((u * 7 + k * 13) % core);
    for (let i = 0; i < tail; i++) src.push(i === 0 ? core - 1 : core + i - 1), dst.push(core + i);
    const g = buildGraph({ n: core + tail, src: Int32Array.from(src), dst: Int32Array.from(dst) }, { directed: true, inCsr: true });
    const { depth, steps } = stepsOf(g, 0);
    expect(depth).toEqual(bfs(g, 0, { direction: 'top-down' }));
    const bottomUps = steps.filter((s) => s.step === 'bfs.bottomUp').length;
    expect(bottomUps).toBeGreaterThan(0);
    // The tail's 300 levels: a multi-level top-down step, not one bottom-up step a level.
    expect(bottomUps).toBeLessThan(10);
    expect(steps.at(-1)!.step).toBe('bfs.topDown');
  });
});
