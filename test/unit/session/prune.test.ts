/**
 * The column pruning pass (session/prune.ts) and its per-op rules (ops/dataframe/columnsNeeded.ts), on
 * built nodes without running them: which input columns each op reads for the output columns asked
 * of it, what a narrowed source reads, which replacements are aliases of the user's nodes, and what
 * is left alone (executed nodes, sources that are targets, consumers without a rule).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryExpr, colExpr, litExpr, unaryExpr } from '../../../src/base/frameExpr.js';
import type { TileableNode } from '../../../src/dag/nodes.js';
import { PRUNE_RULES } from '../../../src/ops/dataframe/columnsNeeded.js';
import {
  assignNode, describeNode, dropDuplicatesNode, dropnaNode, fieldOf, fillnaNode, filterNode, type FrameNode, fromColumnsNode, groupbyAggNode, headNode,
  mergeNode, readCsvNode, renameNode, selectNode, seriesNode, sortValuesNode, toParquetNode, topNNode, valueCountsNode,
} from '../../../src/ops/dataframe/index.js';
import { pruneColumns } from '../../../src/session/prune.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-prune-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const csv = join(dir, 'f.csv');
writeFileSync(csv, 'a,b,c,d,e\n1,2.5,x,true,7\n2,3.5,y,false,8\n');

const frame = fromColumnsNode({ a: [1, 2], b: [0.5, 1.5], c: ['x', null], d: [true, false] });
const col = (f: FrameNode, name: string) => colExpr(fieldOf(f.meta, name, 'test'));
const needs = (node: FrameNode, out: string[]): (string[] | 'all')[] =>
  PRUNE_RULES[node.op]!.needs(node, new Set(out)).map((n) => (n === 'all' ? 'all' : [...n].sort()));
const names = (n: TileableNode): string[] => (n as FrameNode).meta.fields.map((f) => f.name);
const none = (): boolean => false;

describe('per-op rules: the input columns read for the output columns needed', () => {
  it('select, head, fillna: the columns asked for', () => {
    expect(needs(selectNode(frame, ['c', 'a']), ['a'])).toEqual([['a']]);
    expect(needs(headNode(frame, 3), ['b', 'c'])).toEqual([['b', 'c']]);
    expect(needs(fillnaNode(frame, 0), ['a'])).toEqual([['a']]);
  });
  it('rename reads the old names of the new ones asked for', () => {
    expect(needs(renameNode(frame, { a: 'x', c: 'a' }), ['a', 'x'])).toEqual([['a', 'c']]);
  });
  it('series and filter read their expressions too; dropna without a subset reads every column', () => {
    const e = binaryExpr('add', col(frame, 'a'), col(frame, 'b'));
    expect(needs(seriesNode(frame, e, 's'), ['s'])).toEqual([['a', 'b']]);
    expect(needs(filterNode(frame, unaryExpr('isNull', col(frame, 'c'))), ['a'])).toEqual([['a', 'c']]);
    expect(needs(dropnaNode(frame, ['c']), ['a'])).toEqual([['a', 'c']]);
    expect(needs(dropnaNode(frame), ['a'])).toEqual(['all']);
  });
  it('assign reads the expressions of the assigned columns asked for, and a replaced column to keep its place', () => {
    const n = assignNode(frame, { z: binaryExpr('mul', col(frame, 'b'), litExpr(2)), a: unaryExpr('neg', col(frame, 'a')) });
    expect(needs(n, ['z'])).toEqual([['b']]);
    expect(needs(n, ['c'])).toEqual([['c']]);
    expect(needs(n, ['a'])).toEqual([['a']]);
  });
  it('sorts, drop-duplicates, group-bys, value counts and describe read their keys and columns', () => {
    expect(needs(sortValuesNode(frame, ['b'], [true]), ['a'])).toEqual([['a', 'b']]);
    expect(needs(topNNode(frame, ['d'], [false], 2), ['a'])).toEqual([['a', 'd']]);
    expect(needs(dropDuplicatesNode(frame, ['c']), ['a'])).toEqual([['a', 'c']]);
    const g = groupbyAggNode(frame, ['c'], { b: 'sum', a: 'count' });
    expect(needs(g, ['c', 'a', 'b'])).toEqual([['a', 'b', 'c']]);
    expect(needs(g, ['a'])).toEqual([['a', 'c']]);
    expect(needs(g, ['c'])).toEqual([['b', 'c']]);
    expect(needs(valueCountsNode(frame, 'd'), ['d', 'count'])).toEqual([['d']]);
    expect(needs(describeNode(frame), ['stat'])).toEqual([['a', 'b']]);
  });
  it('merge reads the keys on both sides, and a clashing name on both sides or neither', () => {
    const right = fromColumnsNode({ a: [1], b: [2], r: ['q'] });
    const m = mergeNode(frame, right, { on: ['a'], how: 'inner' });
    expect(names(m)).toEqual(['a', 'b_x', 'c', 'd', 'b_y', 'r']);
    expect(needs(m, ['c'])).toEqual([['a', 'c'], ['a']]);
    expect(needs(m, ['b_y'])).toEqual([['a', 'b'], ['a', 'b']]);
    expect(needs(m, ['r', 'd'])).toEqual([['a', 'd'], ['a', 'r']]);
  });
});

describe('the pruning pass', () => {
  it('narrows a CSV source under a group-by and tiles the rebuilt group-by in place of the target', () => {
    const src = readCsvNode(csv);
    const g = groupbyAggNode(src, ['c'], { e: 'sum' });
    const p = pruneColumns([g], none);
    const rebuilt = p.alias.get(g.key)!;
    expect(rebuilt.key).not.toBe(g.key);
    expect(rebuilt.meta).toEqual(g.meta);
    const narrow = rebuilt.inputs[0] as FrameNode;
    expect(names(narrow)).toEqual(['c', 'e']);
    expect((narrow.params.layout as { columns: { index: number }[] }).columns.map((c) => c.index)).toEqual([2, 4]);
    expect(p.notes.get(narrow.key)).toBe('read_csv: 2 of 5 columns (c, e)');
    expect(p.originalOf.get(narrow.key)).toBe(src);
    expect(p.order.map((n) => n.key)).toEqual([narrow.key, rebuilt.key, g.key]);
    expect(rebuilt.origin).toBe(g.origin);
  });

  it('leaves alone a plan without a narrowable source, an executed source and a source that is a target', () => {
    const t = groupbyAggNode(frame, ['c'], { a: 'sum' });
    expect(pruneColumns([t], (n) => n.key === frame.key).alias.size).toBe(0);
    expect(pruneColumns([t, frame], none).alias.size).toBe(0);
    const fromTarget = selectNode(frame, ['a', 'b', 'c', 'd']);
    expect(pruneColumns([fromTarget], none).alias.size).toBe(0);
  });

  it('a consumer without a rule reads every column of its input, which may still read fewer from the source', () => {
    const src = readCsvNode(csv);
    const sel = selectNode(src, ['e', 'a']);
    const sink = toParquetNode(sel, join(dir, 'out.parquet'));
    const p = pruneColumns([sink], none);
    expect(p.alias.has(sink.key)).toBe(false);
    const rebuilt = p.alias.get(sel.key)!;
    expect(names(rebuilt)).toEqual(['e', 'a']);
    expect(names(rebuilt.inputs[0]!)).toEqual(['a', 'e']);
    expect(p.order.at(-1)).toBe(sink);
  });

  it('narrows an in-memory source to its first column when nothing is read, and renames by the narrowed positions', () => {
    const one = seriesNode(frame, litExpr(1), 'one');
    const p = pruneColumns([one], none);
    expect(names(p.alias.get(one.key)!.inputs[0]!)).toEqual(['a']);
    const r = selectNode(renameNode(frame, { a: 'x', d: 'y' }), ['y', 'b']);
    const q = pruneColumns([r], none);
    const rename = q.alias.get(r.key)!.inputs[0] as FrameNode;
    expect(names(rename)).toEqual(['b', 'y']);
    expect(rename.params.names).toEqual(['b', 'y']);
  });

  it('a replaced column nobody reads after an assign is selected away, not left with its old value and dtype', () => {
    const src = readCsvNode(csv);
    const f = filterNode(src, binaryExpr('gt', col(src, 'e'), litExpr(7)));
    const a = assignNode(f, { e: binaryExpr('mul', col(f, 'a'), litExpr(2.5)) });
    const t = selectNode(a, ['a']);
    const p = pruneColumns([t], none);
    const a2 = p.alias.get(t.key)!.inputs[0] as FrameNode;
    expect(a2.op).toBe('frame.select');
    expect(a2.meta.fields).toEqual([{ name: 'a', dtype: 'int32' }]);
    expect(names(a2.inputs[0]!)).toEqual(['a', 'e']);
  });

  it('a merge with one side executed keeps the suffixes: the clashing name the other side dropped is selected away', () => {
    const src = readCsvNode(csv);
    const m = mergeNode(frame, src, { on: ['a'], how: 'inner' });
    const t = selectNode(m, ['c_x', 'e']);
    const p = pruneColumns([t], (n) => n.key === frame.key);
    const m2 = p.alias.get(t.key)!.inputs[0] as FrameNode;
    expect(names(m2)).toEqual(['a', 'c_x', 'c_y', 'e']);
    const q = pruneColumns([selectNode(m, ['e'])], (n) => n.key === frame.key);
    const m3 = [...q.alias.values()][0]!.inputs[0] as FrameNode;
    expect(names(m3)).toEqual(['a', 'e']);
    expect(m3.inputs[0]!.op).toBe('frame.select');
    expect(names(m3.inputs[0]!)).toEqual(['a']);
  });

  it('a group-by drops the aggregations nobody reads', () => {
    const src = readCsvNode(csv);
    const g = groupbyAggNode(src, ['c'], { a: 'sum', b: 'mean', e: 'max' });
    const t = selectNode(g, ['b', 'c']);
    const p = pruneColumns([t], none);
    const g2 = p.alias.get(t.key)!.inputs[0] as FrameNode;
    expect(names(g2)).toEqual(['c', 'b']);
    expect(names(g2.inputs[0]!)).toEqual(['b', 'c']);
  });

  it('an assign whose columns nobody reads is dropped, and the source reads only what is left', () => {
    const src = readCsvNode(csv);
    const a = assignNode(src, { z: binaryExpr('mul', col(src, 'b'), litExpr(2)) });
    const f = filterNode(a, binaryExpr('gt', col(a, 'e'), litExpr(7)));
    const g = groupbyAggNode(f, ['c'], { a: 'max' });
    const p = pruneColumns([g], none);
    const f2 = p.alias.get(g.key)!.inputs[0] as FrameNode;
    expect(f2.op).toBe('frame.filter');
    expect(f2.inputs[0]!.op).toBe('frame.read_csv');
    expect(names(f2)).toEqual(['a', 'c', 'e']);
  });
});
