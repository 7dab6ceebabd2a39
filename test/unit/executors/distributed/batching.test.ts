/**
 * Which ready tasks share a job on the distributed executor (batching.ts): jobs of heavy-ish tasks get
 * smaller towards the end of a pump (guided), so the workers finish together; a chained task counts
 * its producers' elements; tiny tasks batch by count; tasks of unknown size go alone; few ready tasks
 * are never batched; tasks preferring different workers never share a job.
 */
import { describe, expect, it } from 'vitest';
import { ChunkGraphBuilder, type ChunkSpec } from '../../../../src/dag/chunkGraph.js';
import { Batcher, MAX_BATCH, MAX_JOB_ELEMENTS, taskElements } from '../../../../src/executors/distributed/batching.js';
import { CHAIN_KERNEL } from '../../../../src/kernels/chain.js';

const full = (key: string, n: number): ChunkSpec => ({ key, kernel: 'tensor.full', params: { shape: [n], dtype: 'float64', value: 1 }, inputs: [], meta: { shape: [n], dtype: 'float64' } });
/** A chained random draw of `n` elements reduced to one partial (as rand(...).map(f).sum() makes). */
const chained = (key: string, n: number): ChunkSpec => ({
  key,
  kernel: CHAIN_KERNEL,
  params: { consumer: { kernel: 'tensor.reduce_map', params: {} }, args: [{ kernel: 'tensor.random', params: {}, from: 0, count: 0, elements: n }] },
  inputs: [],
  meta: { shape: [1, 1], dtype: 'float64', partial: 'sum' },
});
const unsized = (key: string): ChunkSpec => ({ key, kernel: 'tensor.reduce_combine', params: { op: 'sum' }, inputs: [], meta: { dtype: 'float64', partial: 'sum' } });

function build(specs: ChunkSpec[]) {
  const b = new ChunkGraphBuilder();
  for (const s of specs) b.add(s);
  return b.build();
}

/** Job sizes when every task of `g` is ready in one pump with `threads` worker threads. */
function jobSizes(g: ReturnType<typeof build>, threads: number, worker: (i: number) => string = () => ''): number[] {
  const batcher = new Batcher(g, g.size, threads);
  for (let i = 0; i < g.size; i++) batcher.add(i, worker(i), g.size - i - 1);
  const jobs = batcher.finish();
  expect(jobs.flatMap((j) => j.tasks).sort((a, b) => a - b)).toEqual(Array.from({ length: g.size }, (_, i) => i));
  return jobs.map((j) => j.tasks.length);
}

describe('batching', () => {
  it('a chained task counts its producers elements', () => {
    const g = build([chained('c', 225_000), full('f', 10), unsized('u')]);
    expect(taskElements(g, 0)).toBe(225_001);
    expect(taskElements(g, 1)).toBe(10);
    expect(taskElements(g, 2)).toBe(Infinity);
  });

  it('jobs of heavy-ish tasks start big and end with single tasks, never past the element budget', () => {
    const g = build(Array.from({ length: 400 }, (_, i) => chained(`c${i}`, 225_000)));
    const sizes = jobSizes(g, 2);
    expect(sizes.length).toBeLessThan(100);
    expect(sizes.length).toBeGreaterThan(20);
    expect(Math.max(...sizes) * 225_001).toBeLessThanOrEqual(MAX_JOB_ELEMENTS);
    expect(sizes[0]).toBe(Math.max(...sizes));
    expect(sizes.slice(-4)).toEqual([1, 1, 1, 1]);
    for (let k = 1; k < sizes.length; k++) expect(sizes[k]).toBeLessThanOrEqual(sizes[k - 1]!);
  });

  it('tiny tasks batch by count; tasks of unknown size go alone; few ready tasks are not batched', () => {
    expect(jobSizes(build(Array.from({ length: 2000 }, (_, i) => full(`t${i}`, 1))), 2).slice(0, 3)).toEqual([MAX_BATCH, MAX_BATCH, MAX_BATCH]);
    expect(jobSizes(build(Array.from({ length: 100 }, (_, i) => unsized(`u${i}`))), 2)).toEqual(new Array(100).fill(1));
    expect(jobSizes(build(Array.from({ length: 8 }, (_, i) => full(`t${i}`, 1))), 2)).toEqual(new Array(8).fill(1));
  });

  it('tasks preferring different workers never share a job', () => {
    const g = build(Array.from({ length: 200 }, (_, i) => full(`t${i}`, 1)));
    const batcher = new Batcher(g, g.size, 2);
    for (let i = 0; i < g.size; i++) batcher.add(i, i % 2 ? 'w1' : 'w2', g.size - i - 1);
    for (const job of batcher.finish()) expect(new Set(job.tasks.map((i) => (i % 2 ? 'w1' : 'w2')))).toEqual(new Set([job.worker]));
  });
});
