/**
 * The load paths agree (issue 9 §1): Int32 id columns (kept as Int32; the dense-id fast path when the
 * vertices are 0..n-1) give the same results as Float64 columns, as ids shifted or spread out (the
 * general id map), and as string ids, on random graphs through the public API.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graph as gs, type Graph, type NdArray, newSession, type Session } from '../../src/index.js';

let sess: Session;
let dir: string;
beforeAll(() => {
  sess = newSession({ mode: 'lazy', default: false });
  dir = mkdtempSync(join(tmpdir(), 'tessera-load-'));
});
afterAll(async () => {
  await sess.close();
  rmSync(dir, { recursive: true, force: true });
});

const graphs = fc.integer({ min: 1, max: 30 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    arcs: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.integer({ min: 1, max: 9 })), { maxLength: 4 * n }),
    order: fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n }),
  }),
);

type Spec = { readonly n: number; readonly arcs: readonly [number, number, number][]; readonly order: readonly number[] };

/** Results by original id: SSSP and BFS from the vertex declared first, WCC as the component's smallest id, PageRank. */
async function results(g: Graph, ids: (v: number) => number, source: number): Promise<Map<number, number[]>> {
  const apps = [gs.sssp(g, ids(source)), gs.bfs(g, ids(source)), gs.wcc(g), gs.pagerank(g, { maxRound: 5 })];
  const out = (await sess.run(apps.flatMap((c) => [c.toArray('v.id'), c.toArray('r')]))) as NdArray[];
  const byId = new Map<number, number[]>();
  for (let a = 0; a < apps.length; a++) {
    const idCol = [...out[2 * a]!.data];
    const r = [...out[2 * a + 1]!.data];
    idCol.forEach((id, i) => byId.set(Number(id), [...(byId.get(Number(id)) ?? []), r[i]!]));
  }
  return byId;
}

function columnsGraph(spec: Spec, ctor: Int32ArrayConstructor | Float64ArrayConstructor, ids: (v: number) => number): Graph {
  const make = (xs: number[]) => (ctor === Int32Array ? Int32Array.from(xs) : Float64Array.from(xs));
  const id = make(spec.order.map(ids));
  const src = make(spec.arcs.map(([s]) => ids(s)));
  const dst = make(spec.arcs.map(([, d]) => ids(d)));
  const weight = Float64Array.from(spec.arcs, ([, , w]) => w);
  return gs.loadFrom({ vertices: { id }, edges: { src, dst, weight }, directed: true });
}

/** The same graph with string ids ('é' + the number, UTF-8 spans on the way in), results by numeric id; WCC labels as the component's smallest number. */
async function stringResults(spec: Spec, source: number): Promise<Map<number, number[]>> {
  const name = (v: number) => `é${v}`;
  const g = gs.loadFrom({
    vertices: { id: spec.order.map(name) },
    edges: { src: spec.arcs.map(([s]) => name(s)), dst: spec.arcs.map(([, d]) => name(d)), weight: Float64Array.from(spec.arcs, ([, , w]) => w) },
    directed: true,
    oidType: 'string',
  });
  const apps = [gs.sssp(g, name(source)), gs.bfs(g, name(source)), gs.wcc(g), gs.pagerank(g, { maxRound: 5 })];
  const out = (await sess.run(apps.flatMap((c) => [c.toArray('v.id'), c.toArray('r')]))) as unknown[];
  const num = (id: unknown) => Number(String(id).slice(1));
  const rows = new Map<number, unknown[]>();
  apps.forEach((_, a) => {
    const ids = out[2 * a] as string[];
    const r = out[2 * a + 1] as string[] | NdArray;
    ids.forEach((id, i) => rows.set(num(id), [...(rows.get(num(id)) ?? []), Array.isArray(r) ? r[i] : r.data[i]]));
  });
  const smallest = new Map<unknown, number>();
  for (const [id, [, , label]] of rows) smallest.set(label, Math.min(smallest.get(label) ?? Infinity, id));
  return new Map([...rows].map(([id, [d, b, label, p]]) => [id, [d as number, b as number, smallest.get(label)!, p as number]]));
}

describe('graph load paths', () => {
  it('Int32 and Float64 columns, dense and general ids, agree', async () => {
    await fc.assert(
      fc.asyncProperty(graphs, async (spec) => {
        const source = spec.order[0]!;
        const same = (v: number) => v;
        const shifted = (v: number) => v + 7;
        const spread = (v: number) => v * 1000 + 3;
        const dense32 = await results(columnsGraph(spec, Int32Array, same), same, source);
        const agree = (other: Map<number, number[]>) => {
          expect([...other.keys()].sort()).toEqual([...dense32.keys()].sort());
          for (const [id, [d, b, c, p]] of other) {
            expect([d, b, c]).toEqual(dense32.get(id)!.slice(0, 3));
            // PageRank sums in internal id order, which string ids permute: equal to rounding.
            expect(p).toBeCloseTo(dense32.get(id)![3]!, 12);
          }
        };
        agree(await results(columnsGraph(spec, Float64Array, same), same, source));
        const back = (r: Map<number, number[]>, f: (v: number) => number) =>
          new Map([...r].map(([id, [d, b, c, p]]) => [spec.order.find((v) => f(v) === id)!, [d!, b!, spec.order.find((v) => f(v) === c)!, p!]]));
        agree(back(await results(columnsGraph(spec, Int32Array, shifted), shifted, source), shifted));
        agree(back(await results(columnsGraph(spec, Float64Array, spread), spread, source), spread));
        agree(await stringResults(spec, source));
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('Float64 ids that are not all int32 stay doubles (the general id map) and agree; a fractional id is refused when loaded', async () => {
    await fc.assert(
      fc.asyncProperty(graphs, async (spec) => {
        const source = spec.order[0]!;
        const same = (v: number) => v;
        const huge = (v: number) => v * 2 ** 33 + 5;
        const dense32 = await results(columnsGraph(spec, Int32Array, same), same, source);
        const other = await results(columnsGraph(spec, Float64Array, huge), huge, source);
        for (const [id, [d, b, c, p]] of other) {
          const v = (id - 5) / 2 ** 33;
          expect([d, b, (c! - 5) / 2 ** 33]).toEqual(dense32.get(v)!.slice(0, 3));
          expect(p).toBeCloseTo(dense32.get(v)![3]!, 12);
        }
      }),
      { numRuns: 10 },
    );
    const fractional = gs.loadFrom({ vertices: { id: Float64Array.of(0, 1.5) }, edges: { src: Float64Array.of(0), dst: Float64Array.of(1.5) } });
    await expect(sess.run(fractional)).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringMatching(/must be integers \(int64 ids\), got 1\.5/) });
  }, 120_000);
});
