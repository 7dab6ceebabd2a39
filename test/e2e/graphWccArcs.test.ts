/**
 * A big graph's first WCC reads its arcs as a list, with no CSR (graph/arcList.ts, graph/wccArcs.ts);
 * once another app of the graph has asked for the sorted projection, WCC reads that. Both give the
 * reference's labels (each vertex labelled with the smallest original id of its component), on both
 * executors, for Int32 ids 0..n-1 (read where they are), Float64 ids from 1000 (read as slots), and a
 * file whose vertices are its edges' endpoints with holes among them (a direct table).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Context, type Graph, graph as gs, type NdArray, newSession, type Session } from '../../src/index.js';

// Over 2^21 arcs: a graph built from columns is big (not given the small graphs' grouped projection).
const n = 1 << 17;
const m = (1 << 21) + (1 << 16);

/** A skewed random arc list over 0..n-1 (hubs, parallel arcs, self-loops) with many components. */
function arcs(seed: number): { src: Int32Array; dst: Int32Array } {
  const src = new Int32Array(m);
  const dst = new Int32Array(m);
  let x = seed;
  const rand = (k: number) => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return (x >>> 12) % k;
  };
  for (let i = 0; i < m; i++) {
    // Arcs stay inside blocks of 4096 vertices but for a few, so components stay apart.
    const block = rand(n >> 12) << 12;
    src[i] = rand(4) === 0 ? block + rand(8) : block + rand(4096);
    dst[i] = rand(1 << 19) === 0 ? rand(n) : block + rand(4096);
  }
  return { src, dst };
}

/** Component label of every original id: the smallest id of its component (a plain union-find). */
function reference(ids: ArrayLike<number>, src: ArrayLike<number>, dst: ArrayLike<number>): Map<number, number> {
  const parent = new Map<number, number>();
  const find = (v: number): number => {
    let r = v;
    while (parent.get(r) !== r) {
      const up = parent.get(parent.get(r)!)!;
      parent.set(r, up);
      r = up;
    }
    return r;
  };
  for (let i = 0; i < ids.length; i++) parent.set(ids[i]!, ids[i]!);
  for (let i = 0; i < src.length; i++) {
    const a = find(src[i]!);
    const b = find(dst[i]!);
    if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
  }
  return new Map(Array.from(ids, (v) => [v, find(v)]));
}

async function labels(sess: Session, ctx: Context): Promise<Map<number, number>> {
  const [ids, r] = (await sess.run([ctx.toArray('v.id'), ctx.toArray('r')])) as [NdArray, NdArray];
  return new Map(Array.from(ids.data as ArrayLike<number>, (id, i) => [Number(id), Number(r.data[i])]));
}

const readsArcs = (ctx: Context): boolean => ctx.node.inputs[0]!.params['arcs'] === true;

/** WCC first (on the arc list), then after SSSP asked for the sorted projection (on the CSR). */
async function firstAndLater(sess: Session, g: Graph): Promise<Map<number, number>[]> {
  const first = sess.scope(() => gs.wcc(g));
  expect(readsArcs(first)).toBe(true);
  const out = [await labels(sess, first)];
  const source = out[0]!.keys().next().value!;
  await sess.run(sess.scope(() => gs.sssp(g, source)).toArray('r'));
  const later = sess.scope(() => gs.wcc(g));
  expect(readsArcs(later)).toBe(false);
  out.push(await labels(sess, later));
  return out;
}

let root: string;
let edgeFile: string;
const fileArcs = arcs(7);
// Ids v + 5 with every seventh vertex absent: a direct table with holes.
const fileId = (v: number) => v + 5;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tessera-wcc-arcs-'));
  edgeFile = join(root, 'edges.txt');
  const lines: string[] = [];
  for (let i = 0; i < m; i++) {
    const s = fileArcs.src[i]!;
    const d = fileArcs.dst[i]!;
    if (s % 7 !== 3 && d % 7 !== 3) lines.push(`${fileId(s)} ${fileId(d)}`);
  }
  writeFileSync(edgeFile, lines.join('\n') + '\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

for (const executor of ['local', 'threads'] as const) {
  describe(`a big graph's first WCC reads its arcs as a list (${executor})`, () => {
    const session = () => newSession({ mode: 'lazy', default: false, executor, ...(executor === 'threads' ? { workers: 2 } : {}) });

    it('Int32 ids 0..n-1 and Float64 ids from 1000: the reference labels, first and after another app', async () => {
      const { src, dst } = arcs(11);
      const sess = session();
      try {
        for (const offset of [0, 1000]) {
          const column = (values: ArrayLike<number>) => (offset === 0 ? Int32Array.from(values) : Float64Array.from(values, (v) => v + offset));
          const id = column(Int32Array.from({ length: n }, (_, i) => i));
          const s = column(src);
          const d = column(dst);
          const want = reference(id, s, d);
          const g = sess.scope(() => gs.loadFrom({ vertices: { id }, edges: { src: s, dst: d }, directed: offset === 0 }));
          const [first, later] = await firstAndLater(sess, g);
          expect(first).toEqual(want);
          expect(later).toEqual(want);
          // Not one component: the labels say something.
          expect(new Set(want.values()).size).toBeGreaterThan(1);
        }
      } finally {
        await sess.close();
      }
    }, 180_000);

    it('an edge file whose vertices are its endpoints, with holes among the ids: the reference labels', async () => {
      const kept = Array.from({ length: m }, (_, i) => i).filter((i) => fileArcs.src[i]! % 7 !== 3 && fileArcs.dst[i]! % 7 !== 3);
      const s = kept.map((i) => fileId(fileArcs.src[i]!));
      const d = kept.map((i) => fileId(fileArcs.dst[i]!));
      const want = reference([...new Set([...s, ...d])], s, d);
      const sess = session();
      try {
        const g = sess.scope(() => gs.loadFrom({ edges: edgeFile, delimiter: ' ', header: false, directed: true }));
        const [first, later] = await firstAndLater(sess, g);
        expect(first).toEqual(want);
        expect(later).toEqual(want);
      } finally {
        await sess.close();
      }
    }, 180_000);
  });
}
