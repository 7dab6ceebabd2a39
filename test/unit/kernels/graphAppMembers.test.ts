/**
 * How many workers a `graph.app` run asks its gang for (kernels/registry.ts `membersFor`): one for a
 * small BFS or WCC and for the apps that run as one whole-graph step, where a helper could only wait for the
 * leader; every worker for a big BFS, delta-stepping SSSP and the apps whose steps are split.
 */
import { describe, expect, it } from 'vitest';
import { membersFor } from '../../../src/kernels/index.js';
import type { ProjectedArcsValue, ProjectedGraphValue } from '../../../src/kernels/graph/values.js';

/** A projected graph with `n` vertices and `m` arcs, as far as the member count reads it. */
const projected = (n: number, m: number, grouped = false): ProjectedGraphValue => ({ kind: 'projected-graph', graph: { n, grouped, out: { m } } }) as unknown as ProjectedGraphValue;

const members = (input: unknown, algo: string, workers: number): number => membersFor('graph.app', [input], { algo, source: 0 }, workers);

describe('graph.app gang members', () => {
  it('runs a small BFS alone and splits a big one', () => {
    // R-MAT s16 (955K arcs) and a 256x256 grid: alone; R-MAT s20 (16M arcs) and a 1024x1024 grid: all.
    expect(members(projected(65_536, 955_236), 'bfs', 2)).toBe(1);
    expect(members(projected(65_536, 235_000), 'bfs', 4)).toBe(1);
    expect(members(projected(1_048_576, 16_000_000), 'bfs', 2)).toBe(2);
    expect(members(projected(1_048_576, 3_800_000), 'bfs', 8)).toBe(8);
  });

  it('runs the whole-graph apps alone, and SSSP alone unless it is delta-stepping', () => {
    for (const algo of ['k_core', 'degree_centrality']) expect(members(projected(1_048_576, 16_000_000), algo, 4)).toBe(1);
    expect(members(projected(1_048_576, 16_000_000), 'sssp', 4)).toBe(1);
    expect(members(projected(1_048_576, 16_000_000), 'sssp', 16)).toBe(16);
    expect(members(projected(1_048_576, 16_000_000, true), 'sssp', 16)).toBe(1);
  });

  it('runs WCC alone on a small CSR and splits it on a big one', () => {
    expect(members(projected(65_536, 955_236, true), 'wcc', 2)).toBe(1);
    expect(members(projected(64, 100), 'wcc', 4)).toBe(1);
    expect(members(projected(1_048_576, 16_000_000), 'wcc', 2)).toBe(2);
  });

  it('gives the split apps, and WCC on an arc list, every worker', () => {
    for (const algo of ['pagerank', 'cdlp', 'lcc', 'triangles', 'hits']) expect(members(projected(64, 100), algo, 2)).toBe(2);
    expect(members({ kind: 'projected-arcs' } as ProjectedArcsValue, 'wcc', 2)).toBe(2);
  });
});
