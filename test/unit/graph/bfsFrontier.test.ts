/**
 * BFS sharing its big frontiers in pieces (`frontierParts`, the search a small directed graph runs
 * without an in-CSR): pieces expanded one after another, last to first, or at the same time on worker
 * threads — which then race to claim the same vertices — give the depths of the plain search, on
 * sorted and on grouped rows.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bfs, bfsDriver } from '../../../src/graph/bfs.js';
import { type GraphCsr, groupGraph } from '../../../src/graph/csr.js';
import { lookupStep, runDriver, runDriverAsync, type StepRequest, type StepResult } from '../../../src/graph/parallel.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { seededGraph } from './helpers.js';
import type { StepMessage } from './stepWorker.js';

/** A skewed random graph's arcs as a grouped graph (rows in input order). */
function groupedGraph(n: number, m: number, seed: number): GraphCsr {
  const sorted = seededGraph(n, m, true, seed);
  const src = new Int32Array(sorted.out.m);
  for (let u = 0; u < n; u++) src.fill(u, sorted.out.offsets[u]!, sorted.out.offsets[u + 1]!);
  // Reversed, so rows are not sorted.
  return groupGraph({ n, src: src.reverse(), dst: sorted.out.targets.slice().reverse() }, { directed: true });
}

const graphs: [string, GraphCsr][] = [
  ['sorted', { ...seededGraph(6000, 40000, true, 5), in: undefined }],
  ['grouped', groupedGraph(6000, 40000, 6)],
];
const sources = [0, 3, 17];

function runBackwards<R>(driver: Generator<StepRequest, R, readonly StepResult[]>): R {
  let next = driver.next();
  while (!next.done) {
    const request = next.value;
    const step = lookupStep(GRAPH_STEPS, request.step);
    const results: StepResult[] = new Array(request.ranges.length);
    for (let i = request.ranges.length - 1; i >= 0; i--) results[i] = step(request.args, ...request.ranges[i]!);
    next = driver.next(results);
  }
  return next.value;
}

describe('BFS with its big frontiers in pieces', () => {
  it.each(graphs)('%s rows: pieces in order and last to first give the plain depths', (_, g) => {
    for (const source of sources) {
      const plain = [...bfs(g, source)];
      for (const frontierParts of [2, 3]) {
        const options = { frontierParts, splitFrontierFrom: 8 };
        let pieces = 0;
        const counting = (function* () {
          const driver = bfsDriver(g, source, options);
          let next = driver.next();
          while (!next.done) {
            if (next.value.step === 'bfs.frontier') pieces += next.value.ranges.length;
            next = driver.next(yield next.value);
          }
          return next.value;
        })();
        expect([...runDriver(counting, GRAPH_STEPS)]).toEqual(plain);
        expect(pieces).toBeGreaterThan(frontierParts);
        expect([...runBackwards(bfsDriver(g, source, options))]).toEqual(plain);
      }
    }
  });

  describe('on worker threads at the same time', () => {
    const workers: Worker[] = [];
    let nextId = 0;
    const pending = new Map<number, (r: StepResult) => void>();

    beforeAll(async () => {
      const entry = new URL('./stepWorker.ts', import.meta.url).href;
      const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
      for (let i = 0; i < 3; i++) {
        const worker = new Worker(bootstrap, { eval: true });
        worker.on('message', (m: { id: number; result: StepResult }) => {
          pending.get(m.id)!(m.result);
          pending.delete(m.id);
        });
        workers.push(worker);
      }
      await Promise.all(workers.map((w) => call(w, { step: 'wcc.compress', args: { parent: new Int32Array(0) }, ranges: [] }, 0, 0)));
    }, 60_000);

    afterAll(async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    });

    function call(worker: Worker, request: StepRequest, lo: number, hi: number): Promise<StepResult> {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        worker.postMessage({ id, step: request.step, args: request.args, lo, hi } satisfies StepMessage);
      });
    }

    const onPool = (request: StepRequest): Promise<StepResult[]> =>
      Promise.all(request.ranges.map(([lo, hi], i) => call(workers[i % workers.length]!, request, lo, hi)));

    it.each(graphs)('%s rows give the plain depths', async (_, g) => {
      for (const source of sources) {
        const plain = [...bfs(g, source)];
        expect([...(await runDriverAsync(bfsDriver(g, source, { frontierParts: 3, splitFrontierFrom: 8 }), onPool))]).toEqual(plain);
      }
    });
  });
});
