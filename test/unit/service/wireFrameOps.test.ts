/**
 * Dataframe ops on the wire beyond sources and select/rename/head (wireFrames.test.ts): every op
 * registered in ops/dataframe — series, assign, filter, fillna, dropna, sortValues, topN, describe,
 * groupbyAgg (with its strategy options), merge (with its options), valueCounts, dropDuplicates,
 * to_tensor, from_tensors — is
 * encoded, decoded and rebuilt through its builder with the very key and meta it had, and so is every
 * kind of Series expression node (property-tested over random expressions). A hostile expression —
 * an unknown or injected operator, a lying dtype, a stray field, a non-literal, deep nesting, too many
 * nodes, a huge isin list or literal — and malformed op params are refused with typed errors; params
 * a builder derives (a merge's output names, describe's columns) are never taken from the wire.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binaryExpr, castExpr, colExpr, fillExpr, type FrameExpr, isinExpr, litExpr, stringExpr, unaryExpr, ARITH_OPS, COMPARE_OPS, FRAME_UNARY_OPS,
} from '../../../src/base/frameExpr.js';
import type { TileableNode } from '../../../src/dag/nodes.js';
import {
  assignNode, describeNode, dropDuplicatesNode, dropnaNode, fillnaNode, filterNode, type FrameNode, frameToTensorNode, fromColumnsNode, fromTensorsNode,
  groupbyAggNode, headNode, mergeNode, selectNode, seriesNode, sortValuesNode, topNNode, valueCountsNode,
} from '../../../src/ops/dataframe/index.js';
import { tensor as tt } from '../../../src/index.js';
import { decodeFrame, encodeFrame, frameBytes } from '../../../src/service/wire/frame.js';
import { collectNodes, rebuildNodes, toWire, type WireNode } from '../../../src/service/wire/nodes.js';
import {
  checkFrameExpr, MAX_FRAME_EXPR_DEPTH, MAX_FRAME_EXPR_NODES, MAX_ISIN_VALUES, MAX_LITERAL_CHARS,
} from '../../../src/service/wire/rebuildFrameExpr.js';

const options = { lookup: () => undefined, allowUserCode: false, resolvePath: (p: string) => p };

const d = fromColumnsNode(
  { i: Int32Array.from([3, 1, 2, 1]), f: [0.5, null, -2, NaN], b: [true, null, false, true], s: ['é', null, '🎉', 'a'] },
  { chunkRows: 2 },
);
const right = fromColumnsNode({ i: Int32Array.from([1, 2]), f: [9, 8], t: ['x', 'y'] });
const col = (name: string): FrameExpr => colExpr(d.meta.fields.find((x) => x.name === name)!);

function wireOf(nodes: readonly TileableNode[]): WireNode[] {
  return decodeFrame(frameBytes(encodeFrame(collectNodes(nodes, () => false).map(toWire)))) as WireNode[];
}

function expectSame(nodes: readonly TileableNode[]): void {
  const back = rebuildNodes(wireOf(nodes), options);
  for (const node of collectNodes(nodes, () => false)) {
    expect(back.get(node.key)?.key, node.op).toBe(node.key);
    expect(back.get(node.key)?.meta, node.op).toEqual(node.meta);
  }
}

function refusal(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected a refusal');
}

/** The wire nodes of `node` with its own params replaced by `edit(params)`. */
function edited(node: FrameNode, edit: (p: Record<string, unknown>) => Record<string, unknown>): WireNode[] {
  const wire = wireOf([node]);
  const last = wire[wire.length - 1]!;
  return [...wire.slice(0, -1), { ...last, params: edit(structuredClone(last.params) as Record<string, unknown>) }];
}
const send = (wire: unknown) => refusal(() => rebuildNodes(wire, options));

/** A filter whose mask is `mask` as sent, unchecked (what a hostile client can put on the wire). */
const withMask = (mask: unknown): WireNode[] => edited(filterNode(d, binaryExpr('gt', col('i'), litExpr(1))), () => ({ mask }));

describe('dataframe ops round-trip with their keys and metas', () => {
  it('series, assign, filter, fillna and dropna, with every kind of expression node', () => {
    const s = col('s');
    const exprs: FrameExpr[] = [
      binaryExpr('add', col('i'), litExpr(1)), binaryExpr('mul', col('f'), litExpr(-0)), binaryExpr('div', col('i'), litExpr(Infinity)),
      binaryExpr('mod', col('i'), litExpr(3)), binaryExpr('eq', col('f'), litExpr(NaN)), binaryExpr('and', col('b'), litExpr(null, 'bool')),
      unaryExpr('not', col('b')), unaryExpr('round', col('f')), unaryExpr('isNull', s), stringExpr('startsWith', s, 'é'),
      stringExpr('len', s), stringExpr('upper', s), isinExpr(s, ['a', null, '🎉']), isinExpr(col('i'), [1, 2.5, null]), fillExpr(col('f'), 0),
      fillExpr(col('i'), 0.5), fillExpr(s, 'z'), castExpr(col('f'), 'int32'), castExpr(col('b'), 'string'), binaryExpr('lt', s, litExpr('b')),
    ];
    expectSame([
      ...exprs.map((e, j) => seriesNode(d, e, `e${j}`)),
      assignNode(d, { i: binaryExpr('floordiv', col('i'), litExpr(2)), '1': unaryExpr('abs', col('f')), new: stringExpr('contains', s, '') }),
      filterNode(d, binaryExpr('or', binaryExpr('gt', col('i'), litExpr(1)), unaryExpr('isNull', s))),
      fillnaNode(d, 0), fillnaNode(d, 'x'), fillnaNode(d, { b: false, f: 1.5, s: 'y' }), fillnaNode(d, { i: 2.5 }),
      dropnaNode(d), dropnaNode(d, ['s', 'f']),
    ]);
  });

  it('sortValues, topN and describe', () => {
    expectSame([sortValuesNode(d, ['s', 'i'], [false, true]), topNNode(d, ['f'], [true], 3), topNNode(d, ['i', 'b'], [false, false], 0), describeNode(d), describeNode(headNode(d, 1))]);
  });

  it('groupby with every function and strategy option, merge with its options, valueCounts and dropDuplicates', () => {
    expectSame([
      groupbyAggNode(d, ['s'], { i: 'sum', f: 'mean', b: 'count' }),
      groupbyAggNode(d, ['b', 's'], { i: 'std', f: 'min' }, { method: 'shuffle', partitions: 3 }),
      groupbyAggNode(d, ['i'], { s: 'nunique', f: 'max', b: 'first' }, { method: 'tree', combineSize: 2, treeMaxBytes: 0 }),
      groupbyAggNode(d, ['i'], { f: 'sum' }, { method: 'auto', treeMaxBytes: Infinity }),
      mergeNode(d, right, { on: ['i'], how: 'inner' }),
      mergeNode(d, right, { on: ['i', 'f'], how: 'outer', method: 'shuffle', partitions: 2 }),
      mergeNode(d, right, { on: ['i'], how: 'left', method: 'broadcast', broadcastMaxBytes: 10 }),
      mergeNode(right, d, { on: ['i'], how: 'right' }),
      valueCountsNode(d, 's'), valueCountsNode(d, 'i', { method: 'shuffle', partitions: 2 }),
      dropDuplicatesNode(d), dropDuplicatesNode(d, ['s']), dropDuplicatesNode(d, ['i', 'b'], { combineSize: 3 }),
    ]);
  });

  it('a column as a tensor and tensors as columns (rechunked to the first one\'s chunks)', () => {
    const a = tt.arange(10, undefined, undefined, { chunkSize: 4 }).node;
    const b = tt.random.rand([10], { seed: 1, chunkSize: 3 }).astype('float32').node;
    const c = tt.full([10], true, { chunkSize: 10 }).node;
    const known = fromColumnsNode({ x: Int32Array.from([1, 2, 3]), y: [0.5, null, 2] }, { chunkRows: 2 });
    expectSame([
      fromTensorsNode({ a, b, c }), fromTensorsNode({ '2': b, a }), frameToTensorNode(selectNode(known, ['y'])),
      frameToTensorNode(seriesNode(fromTensorsNode({ a, b }), binaryExpr('add', colExpr({ name: 'a', dtype: 'float64' }), litExpr(1)), 'z')),
    ]);
    const wire = wireOf([fromTensorsNode({ a, b })]);
    const last = wire[wire.length - 1]!;
    expect(send([...wire.slice(0, -1), { ...last, params: { ...last.params, names: ['a'] } }]).code).toBe('MalformedWire');
  });

  it('any expression the builders make, over every op that takes one (property)', () => {
    const unary = FRAME_UNARY_OPS;
    const binary = [...ARITH_OPS, ...COMPARE_OPS, 'and', 'or'] as const;
    const literal = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.string(), fc.constant(null));
    const step = fc.record({ kind: fc.nat(6), op: fc.nat(30), column: fc.constantFrom('i', 'f', 'b', 's'), lit: literal, lits: fc.array(literal, { maxLength: 4 }) });
    fc.assert(
      fc.property(fc.constantFrom('i', 'f', 'b', 's'), fc.array(step, { maxLength: 12 }), (start, steps) => {
        let e = col(start);
        for (const s of steps) {
          try {
            const other = s.kind === 0 ? col(s.column) : litExpr(s.lit, e.dtype);
            e = [
              () => binaryExpr(binary[s.op % binary.length]!, e, other),
              () => binaryExpr(binary[s.op % binary.length]!, col(s.column), e),
              () => unaryExpr(unary[s.op % unary.length]!, e),
              () => stringExpr((['startsWith', 'endsWith', 'contains', 'len', 'lower', 'upper'] as const)[s.op % 6]!, e, String(s.lit)),
              () => isinExpr(e, s.lits),
              () => fillExpr(e, s.lit),
              () => castExpr(e, (['int32', 'float64', 'bool', 'string'] as const)[s.op % 4]!),
            ][s.kind]!();
          } catch {
            // A step the builders refuse (a string added to a number): the user never gets that tree.
          }
        }
        const nodes: FrameNode[] = [seriesNode(d, e, 'x'), assignNode(d, { x: e })];
        if (e.dtype === 'bool') nodes.push(filterNode(d, e));
        expectSame(nodes);
      }),
      { numRuns: 150 },
    );
  });
});

describe('a hostile expression', () => {
  const ok = binaryExpr('gt', col('i'), litExpr(1));

  it('with an unknown or injected operator, tag or field, or a lying dtype, is MalformedWire naming the node', () => {
    const inject = send(withMask({ ...ok, a: { t: 'un', op: 'abs(0)); process.exit(1); Math.abs', a: col('f'), dtype: 'float64' } }));
    expect(inject.code).toBe('MalformedWire');
    expect(inject.message).toContain('mask.a uses an unknown unary op');
    expect(send(withMask({ ...ok, op: 'constructor' })).code).toBe('MalformedWire');
    expect(send(withMask({ ...ok, t: '__proto__' })).message).toContain('unknown type');
    expect(send(withMask({ ...ok, dtype: 'float64' })).message).toContain('says float64 where its operands make bool');
    expect(send(withMask({ ...ok, a: { ...col('i'), dtype: 'float64' } })).code).toBe('DTypeMismatch');
    expect(send(withMask({ ...ok, extra: 1 })).message).toContain('has a field "extra"');
    expect(send(withMask({ ...ok, b: { t: 'lit', v: { toString: 1 }, dtype: 'int32' } })).message).toContain('not a number, string, boolean or null');
    expect(send(withMask({ ...ok, b: { t: 'lit', v: 2, dtype: 'float64' } })).message).toContain('says float64 where its operands make int32');
    expect(send(withMask(binaryExpr('add', col('i'), litExpr(1)))).code).toBe('DTypeMismatch');
    expect(send(withMask({ t: 'bin', op: 'add', a: col('s'), b: litExpr(1), dtype: 'float64' })).message).toContain('is ill-typed');
    expect(send(withMask({ t: 'cast', a: ok, dtype: 'bool' })).message).toContain('builder never makes');
    expect(send(withMask({ t: 'fill', a: ok, v: null, dtype: 'bool' })).code).toBe('MalformedWire');
    expect(send(withMask({ t: 'str', op: 'len', a: col('s'), arg: 'x', dtype: 'int32' })).code).toBe('MalformedWire');
    expect(send(withMask({ t: 'isin', a: col('i'), values: 'abc', dtype: 'bool' })).code).toBe('MalformedWire');
    expect(send(withMask(null)).code).toBe('MalformedWire');
  });

  it('nested past the depth limit is refused without exhausting the stack, however deep', () => {
    let deep: unknown = col('b');
    for (let k = 0; k < 200_000; k++) deep = { t: 'un', op: 'not', a: deep, dtype: 'bool' };
    const e = send(withMask(deep));
    expect(e.code).toBe('MalformedWire');
    expect(e.message).toContain(`deeper than ${MAX_FRAME_EXPR_DEPTH}`);
    expect(e.message.length).toBeLessThan(400);
    let fine: FrameExpr = col('b');
    for (let k = 0; k < MAX_FRAME_EXPR_DEPTH; k++) fine = unaryExpr('not', fine);
    expectSame([filterNode(d, fine)]);
  });

  it('with too many nodes, isin values or literal characters is refused', () => {
    const balanced = (depth: number): FrameExpr => (depth === 0 ? col('f') : binaryExpr('add', balanced(depth - 1), balanced(depth - 1)));
    const wide = balanced(Math.ceil(Math.log2(MAX_FRAME_EXPR_NODES)));
    expect(refusal(() => checkFrameExpr(wide, 'node x')).message).toContain(`past ${MAX_FRAME_EXPR_NODES} nodes`);
    const many = new Array<number>(MAX_ISIN_VALUES + 1).fill(1);
    const isin = refusal(() => checkFrameExpr({ t: 'isin', a: col('i'), values: many, dtype: 'bool' }, 'node x'));
    expect(isin.message).toContain(`past ${MAX_ISIN_VALUES} isin values`);
    const long = 'x'.repeat(MAX_LITERAL_CHARS / 2 + 1);
    expect(refusal(() => checkFrameExpr({ t: 'isin', a: col('s'), values: [long, long], dtype: 'bool' }, 'node x')).message).toContain('literal text past');
    expect(checkFrameExpr(isinExpr(col('i'), many.slice(1)), 'node x').t).toBe('isin');
  });
});

describe('malformed op params', () => {
  it('are refused with typed errors, and a tampered key is a KeyMismatch', () => {
    const g = groupbyAggNode(d, ['s'], { i: 'sum' });
    expect(send(edited(g, (p) => ({ ...p, aggs: [{ column: 'i', fn: 'sum', name: 'j' }] }))).code).toBe('MalformedWire');
    expect(send(edited(g, (p) => ({ ...p, aggs: [{ column: 'i', fn: 'median', name: 'i' }] }))).code).toBe('InvalidArgument');
    expect(send(edited(g, (p) => ({ ...p, options: { method: 'magic' } }))).code).toBe('InvalidArgument');
    expect(send(edited(g, (p) => ({ ...p, options: { partitions: 3, sneaky: true } }))).code).toBe('KeyMismatch');
    expect(send(edited(g, (p) => ({ ...p, options: 'tree' }))).code).toBe('MalformedWire');
    const m = mergeNode(d, right, { on: ['i'], how: 'inner' });
    expect(send(edited(m, (p) => ({ ...p, join: { ...(p['join'] as object), how: 'cross' } }))).code).toBe('InvalidArgument');
    expect(send(edited(m, (p) => ({ ...p, join: { ...(p['join'] as object), on: 'i' } }))).code).toBe('MalformedWire');
    expect(send(edited(m, (p) => ({ ...p, partitions: 0 }))).code).toBe('InvalidArgument');
    // Fields the builder derives are never read from the wire: the node that runs is the builder's.
    const honest = rebuildNodes(edited(m, (p) => ({ ...p, join: { ...(p['join'] as object), names: ['x'] } })), options).get(m.key)!;
    expect(honest.params).toEqual(m.params);
    const wire = wireOf([m]);
    const merge = wire[wire.length - 1]!;
    expect(send([...wire.slice(0, -1), { ...merge, inputs: [merge.inputs[0]!] }]).message).toContain('takes 2 inputs');
    const t = topNNode(d, ['i'], [true], 2);
    expect(send(edited(t, (p) => ({ ...p, n: 3 }))).code).toBe('KeyMismatch');
    expect(send(edited(t, (p) => ({ ...p, ascending: [1] }))).code).toBe('MalformedWire');
    expect(send(edited(t, (p) => ({ ...p, ascending: [true, false] }))).code).toBe('InvalidArgument');
    const a = assignNode(d, { x: col('i') });
    expect(send(edited(a, (p) => ({ ...p, names: ['x', 'y'] }))).code).toBe('MalformedWire');
    expect(send(edited(fillnaNode(d, 0), (p) => ({ ...p, values: [{}, 0] }))).code).toBe('MalformedWire');
    expect(send(edited(fillnaNode(d, { s: 'a' }), (p) => ({ ...p, values: [1] }))).code).toBe('DTypeMismatch');
    expect(send(edited(dropnaNode(d), (p) => ({ ...p, subset: ['nope'] }))).code).toBe('InvalidArgument');
    expect(send(edited(valueCountsNode(d, 's'), (p) => ({ ...p, column: 7 }))).code).toBe('MalformedWire');
    const desc = describeNode(d);
    expect(rebuildNodes(edited(desc, (p) => ({ ...p, columns: ['i'] })), options).get(desc.key)!.params).toEqual(desc.params);
  });
});
