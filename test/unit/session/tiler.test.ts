/**
 * The tiler (session/tiler.ts) on its own: tileable DAGs in, one culled chunk graph out. Small test ops
 * (a source of n chunks, a chunk-wise map, a pick of one input chunk, a cached map) count how often they
 * are tiled, so the tests see exactly what was tiled, what became a fetch chunk and what was culled;
 * one test tiles real tensor ops.
 */
import { describe, expect, it } from 'vitest';
import { makeTileable, type TileableNode } from '../../../src/dag/nodes.js';
import { chunkKey, registerOp, type Tiled } from '../../../src/ops/op.js';
import { binaryNode, fullNode, unaryNode } from '../../../src/ops/tensor/index.js';
import { type TilePlan, tileTargets } from '../../../src/session/tiler.js';

const tiledTimes = new Map<string, number>();
const counted = (node: TileableNode): void => {
  tiledTimes.set(node.key, (tiledTimes.get(node.key) ?? 0) + 1);
};

/** Chunk i of every test op reads chunk i of its input (or the one `pick`ed). */
registerOp({
  name: 'test.source',
  tile(node, ctx) {
    counted(node);
    const n = node.params.n as number;
    const chunks = Array.from({ length: n }, (_, i) =>
      ctx.add({ key: chunkKey(node.key, [i]), kernel: 'test.make', params: { i }, inputs: [], meta: { i } }),
    );
    return { nsplits: [chunks.map(() => 1)], chunks };
  },
});
for (const [name, cache] of [['test.map', false], ['test.cachedMap', true]] as const) {
  registerOp({
    name,
    cache,
    tile(node, ctx) {
      counted(node);
      const input = ctx.input(0);
      const chunks = input.chunks.map((k, i) => ctx.add({ key: chunkKey(node.key, [i]), kernel: 'test.map', params: null, inputs: [k], meta: { i } }));
      return { nsplits: input.nsplits, chunks };
    },
  });
}
registerOp({
  name: 'test.pick',
  tile(node, ctx) {
    counted(node);
    const from = ctx.input(0).chunks[node.params.index as number]!;
    return { nsplits: [[1]], chunks: [ctx.add({ key: chunkKey(node.key, [0]), kernel: 'test.pick', params: null, inputs: [from], meta: ctx.chunkMeta(from) })] };
  },
});
/** Emits one chunk under a key its params choose, so two tileables can emit the same chunk. */
registerOp({
  name: 'test.named',
  tile(node, ctx) {
    counted(node);
    return { nsplits: [[1]], chunks: [ctx.add({ key: node.params.chunk as string, kernel: 'test.make', params: null, inputs: [], meta: null })] };
  },
});

let serial = 0;
/** A fresh tileable (the serial keeps keys of separate tests apart). */
const node = (op: string, params: Record<string, unknown>, ...inputs: TileableNode[]): TileableNode =>
  makeTileable(op, { ...params, serial: serial++ }, inputs, { type: 'test' });
const source = (n: number): TileableNode => node('test.source', { n });
const map = (x: TileableNode): TileableNode => node('test.map', {}, x);

const nothingCached = { executed: () => undefined, stored: () => false };
const keysOf = (plan: TilePlan): string[] => [...plan.graph.keys].sort();
const fetchKeys = (plan: TilePlan): string[] => plan.graph.keys.filter((_, i) => plan.graph.kernels[i] === null).sort();
const chunksOf = (n: TileableNode, count: number): string[] => Array.from({ length: count }, (_, i) => chunkKey(n.key, [i]));

describe('tileTargets', () => {
  it('tiles every tileable once per plan: a shared ancestor gives one set of chunks', () => {
    const s = source(3);
    const [a, b] = [map(s), map(s)];
    const plan = tileTargets([a, b], nothingCached);
    expect(tiledTimes.get(s.key)).toBe(1);
    expect(keysOf(plan)).toEqual([...chunksOf(s, 3), ...chunksOf(a, 3), ...chunksOf(b, 3)].sort());
    expect(plan.targets.map((i) => plan.graph.keys[i]).sort()).toEqual([...chunksOf(a, 3), ...chunksOf(b, 3)].sort());
    expect(plan.tiled.get(a.key)!.chunks).toEqual(chunksOf(a, 3));
    // Each map chunk reads the source chunk of its own index.
    const g = plan.graph;
    expect([...g.inputsOf(g.indexOf(chunkKey(b.key, [2])))].map((d) => g.keys[d])).toEqual([chunkKey(s.key, [2])]);
  });

  it('an executed tileable enters as fetch chunks and nothing upstream of it is tiled', () => {
    const s = source(2);
    const a = map(s);
    const b = map(a);
    const done: Tiled = { nsplits: [[1, 1]], chunks: chunksOf(a, 2) };
    const plan = tileTargets([b], { executed: (k) => (k === a.key ? done : undefined), stored: () => false });
    expect(tiledTimes.get(s.key)).toBeUndefined();
    expect(tiledTimes.get(a.key)).toBeUndefined();
    expect(keysOf(plan)).toEqual([...chunksOf(a, 2), ...chunksOf(b, 2)].sort());
    expect(fetchKeys(plan)).toEqual(chunksOf(a, 2));
    for (const k of chunksOf(a, 2)) expect(plan.graph.inputsOf(plan.graph.indexOf(k))).toHaveLength(0);
  });

  it('an executed target is all fetch chunks, and still a target', () => {
    const a = map(source(2));
    const plan = tileTargets([a], { executed: (k) => (k === a.key ? { nsplits: [[1, 1]], chunks: chunksOf(a, 2) } : undefined), stored: () => false });
    expect(fetchKeys(plan)).toEqual(chunksOf(a, 2));
    expect(plan.graph.size).toBe(2);
    expect(plan.targets.map((i) => plan.graph.keys[i])).toEqual(chunksOf(a, 2));
  });

  it('a chunk whose key is already stored is reused as a fetch chunk, and what only it needed is culled', () => {
    const s = source(3);
    const a = map(s);
    const b = map(a);
    const stored = chunkKey(a.key, [1]);
    const plan = tileTargets([b], { executed: () => undefined, stored: (k) => k === stored });
    expect(tiledTimes.get(a.key)).toBe(1);
    expect(fetchKeys(plan)).toEqual([stored]);
    expect(plan.graph.indexOf(chunkKey(s.key, [1]))).toBe(-1);
    expect(keysOf(plan)).toEqual([chunkKey(s.key, [0]), chunkKey(s.key, [2]), ...chunksOf(a, 3), ...chunksOf(b, 3)].sort());
    expect(plan.ownerOf.has(stored)).toBe(false);
  });

  it('culls every chunk the targets do not need', () => {
    const s = source(4);
    const picked = node('test.pick', { index: 2 }, map(s));
    const plan = tileTargets([picked], nothingCached);
    expect(plan.graph.size).toBe(3);
    expect(plan.graph.indexOf(chunkKey(s.key, [2]))).toBeGreaterThanOrEqual(0);
    for (const i of [0, 1, 3]) expect(plan.graph.indexOf(chunkKey(s.key, [i]))).toBe(-1);
  });

  it('a `cache` op is kept like a target: every chunk of it, tiled and reported as cached', () => {
    const s = source(3);
    const cached = node('test.cachedMap', {}, s);
    const picked = node('test.pick', { index: 0 }, cached);
    const plan = tileTargets([picked], nothingCached);
    expect(plan.cached).toEqual([cached]);
    expect(plan.tiled.get(cached.key)!.chunks).toEqual(chunksOf(cached, 3));
    const targets = plan.targets.map((i) => plan.graph.keys[i]).sort();
    expect(targets).toEqual([...chunksOf(cached, 3), chunkKey(picked.key, [0])].sort());
    // Chunks 1 and 2 of the cached op are not needed by the target, yet they stay (with their inputs).
    expect(plan.graph.size).toBe(3 + 3 + 1);
  });

  it('ownerOf names the tileable that emitted each compute chunk; a chunk emitted twice is one chunk, owned by the first', () => {
    const s = source(2);
    const a = map(s);
    const first = node('test.named', { chunk: 'same-chunk' });
    const second = node('test.named', { chunk: 'same-chunk' });
    const plan = tileTargets([a, first, second], nothingCached);
    for (const k of chunksOf(s, 2)) expect(plan.ownerOf.get(k)).toBe(s);
    for (const k of chunksOf(a, 2)) expect(plan.ownerOf.get(k)).toBe(a);
    expect(plan.graph.keys.filter((k) => k === 'same-chunk')).toHaveLength(1);
    expect(plan.ownerOf.get('same-chunk')).toBe(first);
    expect(plan.tiled.get(second.key)!.chunks).toEqual(['same-chunk']);
    // The owner carries the line that built it, for error reports.
    expect(plan.ownerOf.get(chunkKey(a.key, [0]))!.origin?.stack).toContain('tiler.test.ts');
  });

  it('real tensor ops: x feeding two targets is tiled into one set of chunks, each consumer reading its own', () => {
    const x = fullNode([6], 1, { chunkSize: 2 });
    const y = unaryNode('neg', x);
    const z = binaryNode('mul', x, 3);
    const plan = tileTargets([y, z], nothingCached);
    const g = plan.graph;
    expect(g.size).toBe(9);
    expect(g.keys.filter((k) => k.startsWith(`${x.key}:`))).toHaveLength(3);
    for (const t of [y, z]) {
      plan.tiled.get(t.key)!.chunks.forEach((k, i) => {
        expect([...g.inputsOf(g.indexOf(k))].map((d) => g.keys[d])).toEqual([chunkKey(x.key, [i])]);
      });
    }
    expect(plan.targets).toHaveLength(6);
  });
});
