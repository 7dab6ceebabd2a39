/**
 * The expression ops (ops/dataframe/expr.ts) at build time — the schema they produce and every bad
 * input refused with a typed error naming the column or expression — and at tile time, against a fake
 * TileContext that runs each chunk it is given by calling the kernel through the registry (with its
 * params structured-cloned, as a worker would receive them): one chunk per input chunk, the input's
 * rows kept where the op keeps rows and NaN where it cannot know them.
 */
import { describe, expect, it } from 'vitest';
import { DTypeError, InvalidArgumentError } from '../../../../src/base/errors.js';
import { type FrameChunk, type FrameField, makeFrame, valueAt } from '../../../../src/base/frame.js';
import { binaryExpr, colExpr, type FrameExpr, litExpr, stringExpr } from '../../../../src/base/frameExpr.js';
import type { ChunkSpec } from '../../../../src/dag/chunkGraph.js';
import { makeTileable } from '../../../../src/dag/nodes.js';
import { getKernel } from '../../../../src/kernels/index.js';
import { assignNode, dropnaNode, fillnaNode, filterNode, seriesNode } from '../../../../src/ops/dataframe/expr.js';
import { frameMeta, type FrameNode } from '../../../../src/ops/dataframe/meta.js';
import { fromColumnsNode } from '../../../../src/ops/dataframe/sources.js';
import { chunkKey, getOp, type TileContext, type Tiled } from '../../../../src/ops/op.js';
import { utf8DictOf } from '../../../../src/base/utf8Dict.js';

const FIELDS: FrameField[] = [{ name: 'id', dtype: 'string' }, { name: 'v', dtype: 'int32' }, { name: 'x', dtype: 'float64' }, { name: 'ok', dtype: 'bool' }];

const CHUNKS: FrameChunk[] = [
  makeFrame(['id', 'v', 'x', 'ok'], [
    { dtype: 'string', codes: new Int32Array([0, 1, -1]), dict: utf8DictOf(['a', 'b']) },
    { dtype: 'int32', values: new Int32Array([1, 2, 3]), valid: new Uint8Array([1, 0, 1]) },
    { dtype: 'float64', values: new Float64Array([0.5, NaN, 4]), valid: null },
    { dtype: 'bool', values: new Uint8Array([1, 0, 1]), valid: null },
  ]),
  makeFrame(['id', 'v', 'x', 'ok'], [
    { dtype: 'string', codes: new Int32Array([0, 1]), dict: utf8DictOf(['b', 'c']) },
    { dtype: 'int32', values: new Int32Array([10, 20]), valid: null },
    { dtype: 'float64', values: new Float64Array([1, 2]), valid: new Uint8Array([0, 1]) },
    { dtype: 'bool', values: new Uint8Array([0, 1]), valid: new Uint8Array([1, 0]) },
  ]),
];

const source: FrameNode = makeTileable('test.frameSource', { n: 5 }, [], frameMeta(FIELDS, 5));
const col = (name: string): FrameExpr => colExpr(FIELDS.find((f) => f.name === name)!);

/** Tiles `node` over the two source chunks and runs every chunk it adds; returns the tiled form and the outputs. */
function tileAndRun(node: FrameNode): { tiled: Tiled; specs: ChunkSpec[]; out: FrameChunk[] } {
  const store = new Map<string, unknown>(CHUNKS.map((c, i) => [`src:${i}`, c]));
  const specs: ChunkSpec[] = [];
  const ctx: TileContext = {
    input: () => ({ nsplits: [[3, 2]], chunks: ['src:0', 'src:1'] }),
    add: (spec) => {
      specs.push(spec);
      store.set(spec.key, getKernel(spec.kernel!)(spec.inputs.map((k) => store.get(k)), structuredClone(spec.params) as never));
      return spec.key;
    },
    chunkMeta: (key) => specs.find((s) => s.key === key)?.meta,
    chunkInfo: () => undefined,
    plan: () => undefined,
  };
  const tiled = getOp(node.op).tile(node, ctx) as Tiled;
  return { tiled, specs, out: tiled.chunks.map((k) => store.get(k) as FrameChunk) };
}

const rowsOf = (chunks: FrameChunk[], name: string): unknown[] =>
  chunks.flatMap((c) => Array.from({ length: c.rows }, (_, i) => valueAt(c.columns[c.names.indexOf(name)]!, i)));

function rejects(f: () => unknown, cls: typeof InvalidArgumentError | typeof DTypeError, text: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(cls);
  expect((caught as Error).message).toMatch(text);
}

describe('seriesNode', () => {
  it('is a one-column frame of the expression, chunk by chunk, rows kept', () => {
    const node = seriesNode(source, binaryExpr('mul', col('v'), litExpr(2)), 'twice');
    expect(node.meta.fields).toEqual([{ name: 'twice', dtype: 'float64' }]);
    expect(node.meta.rows).toBe(5);
    const { tiled, specs, out } = tileAndRun(node);
    expect(tiled.nsplits).toEqual([[3, 2]]);
    expect(tiled.chunks).toEqual([chunkKey(node.key, [0]), chunkKey(node.key, [1])]);
    expect(specs.map((s) => s.meta)).toEqual([{ rows: 3 }, { rows: 2 }]);
    expect(rowsOf(out, 'twice')).toEqual([2, null, 6, 20, 40]);
  });

  it('refuses an unknown column, a column of another dtype, a non-expression and an empty name', () => {
    rejects(() => seriesNode(source, colExpr({ name: 'w', dtype: 'int32' }), 'y'), InvalidArgumentError, /"w".*the columns are/);
    rejects(() => seriesNode(source, colExpr({ name: 'v', dtype: 'float64' }), 'y'), DTypeError, /reads column "v" as float64.*is int32/);
    rejects(() => seriesNode(source, { t: 'nope' } as never, 'y'), InvalidArgumentError, /Series expression/);
    const halfBuilt = { t: 'bin', op: 'add', a: col('v'), dtype: 'float64' };
    rejects(() => seriesNode(source, halfBuilt as never, 'y'), InvalidArgumentError, /Series expression/);
    rejects(() => seriesNode(source, col('v'), ''), InvalidArgumentError, /non-empty string/);
  });

  it('equal expressions give equal keys; different ones different keys', () => {
    expect(seriesNode(source, col('v'), 'y').key).toBe(seriesNode(source, col('v'), 'y').key);
    expect(seriesNode(source, col('v'), 'y').key).not.toBe(seriesNode(source, col('x'), 'y').key);
  });
});

describe('assignNode', () => {
  it('replaces columns in place and appends new ones; every expression reads the input', () => {
    const node = assignNode(source, { v: binaryExpr('add', col('v'), litExpr(1)), up: stringExpr('upper', col('id')), v2: col('v') });
    expect(node.meta.fields).toEqual([
      { name: 'id', dtype: 'string' }, { name: 'v', dtype: 'float64' }, { name: 'x', dtype: 'float64' }, { name: 'ok', dtype: 'bool' },
      { name: 'up', dtype: 'string' }, { name: 'v2', dtype: 'int32' },
    ]);
    const { tiled, out } = tileAndRun(node);
    expect(tiled.nsplits).toEqual([[3, 2]]);
    expect(out.map((c) => c.names)).toEqual([node.meta.fields.map((f) => f.name), node.meta.fields.map((f) => f.name)]);
    expect(rowsOf(out, 'v')).toEqual([2, null, 4, 11, 21]);
    expect(rowsOf(out, 'v2')).toEqual([1, null, 3, 10, 20]);
    expect(rowsOf(out, 'up')).toEqual(['A', 'B', null, 'B', 'C']);
  });

  it('refuses no columns and expressions over missing columns, naming them', () => {
    rejects(() => assignNode(source, {}), InvalidArgumentError, /at least one entry/);
    rejects(() => assignNode(source, { y: binaryExpr('add', col('v'), colExpr({ name: 'q', dtype: 'int32' })) }), InvalidArgumentError, /assign\("y"\).*"q"/);
  });
});

describe('filterNode', () => {
  it('keeps the rows where the mask is true; rows unknown until run', () => {
    const mask = binaryExpr('or', binaryExpr('gt', col('v'), litExpr(2)), binaryExpr('eq', col('id'), litExpr('b')));
    const node = filterNode(source, mask);
    expect(node.meta.fields).toEqual(FIELDS);
    expect(node.meta.rows).toBeNaN();
    const { tiled, specs, out } = tileAndRun(node);
    expect(tiled.nsplits).toEqual([[NaN, NaN]]);
    expect(specs.map((s) => s.meta)).toEqual([{ rows: NaN }, { rows: NaN }]);
    // chunk 0: v=[1,null,3] id=[a,b,null] -> rows 1 (id b) and 2 (v 3); chunk 1: both (v > 2).
    expect(rowsOf(out, 'v')).toEqual([null, 3, 10, 20]);
    expect(rowsOf(out, 'id')).toEqual(['b', null, 'b', 'c']);
  });

  it('refuses a mask that is not bool, naming the expression', () => {
    rejects(() => filterNode(source, binaryExpr('add', col('v'), litExpr(1))), DTypeError, /bool mask, got float64 \(\(col\(v\) add 1\)\)/);
  });
});

describe('fillnaNode', () => {
  it('a single value fills every column it fits; the others stay as they are', () => {
    const node = fillnaNode(source, 0);
    expect(node.params).toEqual({ names: ['v', 'x'], values: [0, 0] });
    const { out } = tileAndRun(node);
    expect(rowsOf(out, 'v')).toEqual([1, 0, 3, 10, 20]);
    expect(rowsOf(out, 'x')).toEqual([0.5, NaN, 4, 0, 2]);
    expect(rowsOf(out, 'ok')).toEqual([true, false, true, false, null]);
  });

  it('an object fills the columns it names; an int32 column filled with 1.5 becomes float64', () => {
    const node = fillnaNode(source, { v: 1.5, id: 'zz', ok: true });
    expect(node.meta.fields.map((f) => f.dtype)).toEqual(['string', 'float64', 'float64', 'bool']);
    const { tiled, out } = tileAndRun(node);
    expect(tiled.nsplits).toEqual([[3, 2]]);
    expect(rowsOf(out, 'v')).toEqual([1, 1.5, 3, 10, 20]);
    expect(rowsOf(out, 'id')).toEqual(['a', 'b', 'zz', 'b', 'c']);
    expect(rowsOf(out, 'ok')).toEqual([true, false, true, false, true]);
  });

  it('refuses null, a value no column fits, an unknown column and a value of the wrong type', () => {
    rejects(() => fillnaNode(source, null), InvalidArgumentError, /number, string or boolean/);
    const numbers = makeTileable('test.frameSource', { n: 1 }, [], frameMeta([{ name: 'v', dtype: 'int32' }]));
    rejects(() => fillnaNode(numbers as FrameNode, 'x'), DTypeError, /no column of this frame can hold it/);
    rejects(() => fillnaNode(source, { w: 1 }), InvalidArgumentError, /"w"/);
    rejects(() => fillnaNode(source, { v: 'x' }), DTypeError, /column "v" is int32.*give a number/);
    rejects(() => fillnaNode(source, {}), InvalidArgumentError, /at least one entry/);
  });
});

describe('dropnaNode', () => {
  it('drops rows with a null in the subset, or in any column without one', () => {
    const some = tileAndRun(dropnaNode(source, ['v']));
    expect(some.tiled.nsplits).toEqual([[NaN, NaN]]);
    expect(rowsOf(some.out, 'v')).toEqual([1, 3, 10, 20]);
    const all = tileAndRun(dropnaNode(source));
    expect(rowsOf(all.out, 'id')).toEqual(['a']);
  });

  it('refuses unknown or repeated subset columns', () => {
    rejects(() => dropnaNode(source, ['nope']), InvalidArgumentError, /"nope"/);
    rejects(() => dropnaNode(source, ['v', 'v']), InvalidArgumentError, /named twice/);
  });
});

describe('expressions that did not come from the Series builders', () => {
  it('an operator name outside the language is refused before any code is generated', () => {
    const frame = fromColumnsNode({ a: [1, 2, 3] });
    const col = { t: 'col', name: 'a', dtype: 'int32' };
    const injected = { t: 'un', op: 'abs(1)); globalThis.pwned = (1', a: col, dtype: 'float64' };
    expect(() => filterNode(frame, { t: 'bin', op: 'gt', a: injected, b: { t: 'lit', v: 0, dtype: 'int32' }, dtype: 'bool' } as never)).toThrow(/needs a Series expression/);
    expect(() => filterNode(frame, { t: 'bin', op: 'constructor', a: col, b: col, dtype: 'bool' } as never)).toThrow(/needs a Series expression/);
  });

  it('are checked node by node by the one checker the wire uses too: a lying dtype or a stray field is refused, naming the node', () => {
    const frame = fromColumnsNode({ a: [1, 2, 3] });
    const a = colExpr({ name: 'a', dtype: 'int32' });
    const gt = binaryExpr('gt', a, litExpr(1));
    // Both passed the old whitelist (known tags and operators); only a rebuild through the builders sees them.
    rejects(() => filterNode(frame, { ...gt, a: { t: 'bin', op: 'add', a, b: litExpr(1), dtype: 'bool' } } as never), InvalidArgumentError, /node expr\.a \(bin\) says bool where its operands make float64/);
    rejects(() => filterNode(frame, { ...gt, extra: 1 } as never), InvalidArgumentError, /needs a Series expression.*has a field "extra"/);
    // A tree the Series builders made passes, and its key is the one it always had.
    expect(filterNode(frame, gt).key).toBe(filterNode(frame, binaryExpr('gt', a, litExpr(1))).key);
    expect(Object.isFrozen(filterNode(frame, gt).params.mask)).toBe(true);
  });
});
