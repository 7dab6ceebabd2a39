/**
 * Range decomposition: every parallel-ready driver gives bit-for-bit the same result whether its steps
 * run as one range or several, in any order, and when the ranges really run at the same time on
 * worker threads sharing the buffers.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorData, errorFromData } from '../../../src/base/errors.js';
import { bfsDriver } from '../../../src/graph/bfs.js';
import { cdlpDriver } from '../../../src/graph/cdlp.js';
import type { GraphCsr } from '../../../src/graph/csr.js';
import { deltaSteppingDriver } from '../../../src/graph/deltaStepping.js';
import { hitsDriver } from '../../../src/graph/hits.js';
import { lccDriver } from '../../../src/graph/lcc.js';
import { pagerankDriver } from '../../../src/graph/pagerank.js';
import {
  type Driver,
  type StepRequest,
  type StepResult,
  lookupStep,
  runDriver,
  runDriverAsync,
  splitRange,
} from '../../../src/graph/parallel.js';
import { GRAPH_STEPS } from '../../../src/graph/steps.js';
import { trianglesDriver } from '../../../src/graph/triangles.js';
import { wccDriver } from '../../../src/graph/wcc.js';
import { seededGraph } from './helpers.js';
import type { StepMessage } from './stepWorker.js';

type Result = ArrayLike<number> | { readonly hub: ArrayLike<number>; readonly auth: ArrayLike<number> };

/** Every parallel-ready algorithm as a driver factory for a given number of parts. */
const drivers: Record<string, (g: GraphCsr, parts: number) => Driver<Result>> = {
  bfs: (g, parts) => bfsDriver(g, 3, { parts }),
  'bfs top-down': (g, parts) => bfsDriver(g, 3, { parts, direction: 'top-down' }),
  sssp: (g, parts) => deltaSteppingDriver(g, 3, { parts }),
  pagerank: (g, parts) => pagerankDriver(g, { parts, iterations: 15 }),
  wcc: (g, parts) => wccDriver(g, { parts }),
  cdlp: (g, parts) => cdlpDriver(g, { parts, iterations: 6 }),
  lcc: (g, parts) => lccDriver(g, { parts }),
  triangles: (g, parts) => trianglesDriver(g, { parts }),
  hits: (g, parts) => hitsDriver(g, { parts, tolerance: 1e-9 }),
};

function flatten(r: Result): number[] {
  return 'hub' in r ? [...Array.from(r.hub), ...Array.from(r.auth)] : Array.from(r);
}

/** Same doubles, bit for bit (Object.is also tells -0 from 0). */
function expectIdentical(actual: Result, expected: Result): void {
  const a = flatten(actual);
  const e = flatten(expected);
  expect(a.length).toBe(e.length);
  const differing = a.findIndex((x, i) => !Object.is(x, e[i]));
  expect(differing).toBe(-1);
}

/** Runs each request's ranges last to first: steps of one request must not depend on each other. */
function runBackwards<R>(driver: Driver<R>): R {
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

const graphs: [string, GraphCsr][] = [
  ['directed', seededGraph(5000, 30000, true, 11)],
  ['undirected', seededGraph(4500, 12000, false, 12)],
];

describe('splitRange', () => {
  it('covers [0, n) with contiguous block-aligned ranges, balanced by cost', () => {
    const g = graphs[0]![1];
    const offsets = g.out.offsets;
    for (const parts of [1, 2, 3, 4]) {
      const ranges = splitRange(g.n, parts, offsets);
      expect(ranges).toHaveLength(parts);
      expect(ranges[0]![0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(g.n);
      ranges.forEach(([lo, hi], i) => {
        expect(lo % 1024).toBe(0);
        if (i > 0) expect(lo).toBe(ranges[i - 1]![1]);
        expect(hi).toBeGreaterThan(lo);
      });
    }
    // The skewed graph's hubs sit at low ids, so cost balancing gives the first range fewer vertices.
    const [first] = splitRange(g.n, 2, offsets);
    expect(first![1]).toBeLessThan(splitRange(g.n, 2)[0]![1]);
    expect(splitRange(5000, 3).flat()).toEqual([0, 2048, 2048, 4096, 4096, 5000]);
    expect(splitRange(0, 4)).toEqual([[0, 0]]);
    expect(splitRange(100, 8)).toEqual([[0, 100]]);
    expect(() => splitRange(100, 0)).toThrow(/parts must be an integer >= 1/);
  });
});

describe.each(graphs)('range decomposition on a %s graph', (_, g) => {
  it.each(Object.keys(drivers))('%s: 2, 3 and 4 ranges, in any order, equal one range', (name) => {
    const make = drivers[name]!;
    const whole = runDriver(make(g, 1), GRAPH_STEPS);
    for (const parts of [2, 3, 4]) {
      expectIdentical(runDriver(make(g, parts), GRAPH_STEPS), whole);
      expectIdentical(runBackwards(make(g, parts)), whole);
    }
  });
});

describe('steps running at the same time on worker threads', () => {
  const workers: Worker[] = [];
  let nextId = 0;
  const pending = new Map<number, { resolve: (r: StepResult) => void; reject: (e: Error) => void }>();

  beforeAll(async () => {
    const entry = new URL('./stepWorker.ts', import.meta.url).href;
    const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    for (let i = 0; i < 3; i++) {
      const worker = new Worker(bootstrap, { eval: true });
      worker.on('message', (m: { id: number; result?: StepResult; error?: ErrorData }) => {
        const p = pending.get(m.id)!;
        pending.delete(m.id);
        if (m.error) p.reject(errorFromData(m.error));
        else p.resolve(m.result!);
      });
      workers.push(worker);
    }
    // Wait until every worker has loaded the steps (a round trip on a trivial request).
    await Promise.all(workers.map((w) => call(w, { step: 'wcc.compress', args: { parent: new Int32Array(0) }, ranges: [] }, 0, 0)));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  });

  function call(worker: Worker, request: StepRequest, lo: number, hi: number): Promise<StepResult> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, step: request.step, args: request.args, lo, hi } satisfies StepMessage);
    });
  }

  /** The pool runner: range i of every request goes to worker i mod 3, all at once. */
  const onPool = (request: StepRequest): Promise<StepResult[]> =>
    Promise.all(request.ranges.map(([lo, hi], i) => call(workers[i % workers.length]!, request, lo, hi)));

  it.each(Object.keys(drivers))('%s gives the sequential result', async (name) => {
    for (const [, g] of graphs) {
      const whole = runDriver(drivers[name]!(g, 1), GRAPH_STEPS);
      expectIdentical(await runDriverAsync(drivers[name]!(g, 3), onPool), whole);
    }
  });

  it('a step that throws in a worker fails the run with the rebuilt error', async () => {
    const request: StepRequest = { step: 'no.such.step', args: {}, ranges: [[0, 1]] };
    await expect(onPool(request)).rejects.toThrow(/unknown graph step 'no.such.step'/);
  });
});
