/**
 * Column pruning rules, per dataframe op (the session's pruning pass, session/prune.ts, applies them).
 * For an op, `needs(node, out)` says which columns of each input it reads to produce the output columns
 * `out` (`'all'` when it cannot say), and `rebuild(node, inputs, out)` builds the same op over narrower
 * inputs — through the op's own builder wherever params allow, so every check it makes at the user's
 * line is made again — giving at least the `out` columns, with their dtypes, in the original order.
 * Sources that can read fewer columns have a `narrow(node, keep)` instead (Mars's
 * ColumnPruneSupportedDataSourceMixin; DuckDB and pandas `usecols` do the same).
 *
 * Kernels find columns by name, except `frame.rename` (it renames by position, hence its rebuild
 * recomputes the names of the narrower input) and the writers (sinks, `frame.to_tensor`), which have
 * no rule and so keep all of their input's columns. An op with no rule needs every column.
 */
import type { FrameField } from '../../base/frame.js';
import { exprColumns, type FrameExpr, type Literal } from '../../base/frameExpr.js';
import type { InlineChunk } from '../../kernels/dataframe/basic.js';
import type { JoinParams } from '../../kernels/dataframe/join.js';
import { keyOf, makeTileable } from '../../dag/nodes.js';
import { headNode, renameNode, selectNode } from './basic.js';
import { assignNode, dropnaNode, fillnaNode, filterNode, seriesNode } from './expr.js';
import { type AggFn, groupbyAggNode, type GroupbyOptions } from './groupby.js';
import { mergeNode } from './merge.js';
import { frameMeta, type FrameNode } from './meta.js';
import { sortValuesNode, topNNode } from './sort.js';

/** Columns of one input an op reads, or all of them. */
export type Needed = ReadonlySet<string> | 'all';

export interface PruneRule {
  /** The columns of each input needed for the output columns `out` (never empty). */
  needs(node: FrameNode, out: ReadonlySet<string>): Needed[];
  /** The op over `inputs` (each holding at least what `needs` asked for, in its original order). */
  rebuild(node: FrameNode, inputs: readonly FrameNode[], out: ReadonlySet<string>): FrameNode;
}

export interface SourceRule {
  /** The source reading only `keep` (a non-empty strict subset of its columns, in its order). */
  narrow(node: FrameNode, keep: readonly string[]): FrameNode;
}

const union = (...sets: Iterable<string>[]): Set<string> => {
  const out = new Set<string>();
  for (const s of sets) for (const x of s) out.add(x);
  return out;
};

/** The same op and params over other inputs: for ops whose output does not depend on extra input columns. */
function sameOutput(node: FrameNode, inputs: readonly FrameNode[]): FrameNode {
  return makeTileable(node.op, node.params, inputs, node.meta) as FrameNode;
}

/** The same op and params, its output the (narrower) input's columns: for ops that pass every column through. */
function passThrough(node: FrameNode, inputs: readonly FrameNode[]): FrameNode {
  return makeTileable(node.op, node.params, inputs, frameMeta(inputs[0]!.meta.fields, node.meta.rows)) as FrameNode;
}

const names = (node: FrameNode): string[] => node.meta.fields.map((f) => f.name);
const present = (frame: FrameNode): Set<string> => new Set(names(frame));

interface AssignParams {
  readonly names: readonly string[];
  readonly exprs: readonly FrameExpr[];
}

interface MergeParams {
  readonly join: Omit<JoinParams, 'nLeft' | 'part'>;
  readonly method: 'auto' | 'broadcast' | 'shuffle';
  readonly broadcastMaxBytes: number;
  readonly partitions: number | null;
}

/** Per side of a merge, which of its non-key columns each output column comes from (suffixes undone). */
function mergeSources(node: FrameNode): { left: Map<string, string>; right: Map<string, string>; clash: Set<string> } {
  const j = (node.params as unknown as MergeParams).join;
  const k = j.on.length;
  const left = new Map(j.leftOthers.map((c, i) => [j.names[k + i]!, c]));
  const right = new Map(j.rightOthers.map((c, i) => [j.names[k + j.leftOthers.length + i]!, c]));
  const clash = new Set(j.leftOthers.filter((c) => j.rightOthers.includes(c)));
  return { left, right, clash };
}

interface GroupbyParams {
  readonly keys: readonly string[];
  readonly aggs: readonly { readonly column: string; readonly fn: AggFn; readonly name: string }[];
  readonly options: GroupbyOptions;
}

function usedAggs(p: GroupbyParams, out: ReadonlySet<string>): GroupbyParams['aggs'] {
  const used = p.aggs.filter((a) => out.has(a.name));
  return used.length > 0 ? used : p.aggs.slice(0, 1);
}

export const PRUNE_RULES: Readonly<Record<string, PruneRule>> = {
  'frame.select': {
    needs: (_node, out) => [out],
    rebuild: (node, [input], out) => selectNode(input!, (node.params.names as string[]).filter((n) => out.has(n))),
  },
  'frame.rename': {
    // names[j] is the new name of input column j.
    needs: (node, out) => {
      const old = names(node.inputs[0] as FrameNode);
      const renamed = node.params.names as string[];
      return [new Set(old.filter((_, j) => out.has(renamed[j]!)))];
    },
    rebuild: (node, [input], _out) => {
      const old = names(node.inputs[0] as FrameNode);
      const renamed = node.params.names as string[];
      const kept = present(input!);
      const mapping: Record<string, string> = {};
      old.forEach((o, j) => {
        if (kept.has(o) && o !== renamed[j]) mapping[o] = renamed[j]!;
      });
      return renameNode(input!, mapping);
    },
  },
  'frame.head': {
    needs: (_node, out) => [out],
    rebuild: (node, [input]) => headNode(input!, node.params.n as number),
  },
  'frame.series': {
    needs: (node, _out) => [exprColumns(node.params.expr as FrameExpr)],
    rebuild: (node, [input]) => seriesNode(input!, node.params.expr as FrameExpr, node.params.name as string),
  },
  'frame.assign': {
    // A replaced column is read from the input too when it is needed, so that it keeps its position.
    needs: (node, out) => {
      const p = node.params as unknown as AssignParams;
      const before = present(node.inputs[0] as FrameNode);
      const added = new Set(p.names.filter((n) => !before.has(n)));
      const reads = p.names.flatMap((n, k) => (out.has(n) ? [...exprColumns(p.exprs[k]!)] : []));
      return [union([...out].filter((n) => !added.has(n)), reads)];
    },
    // A replaced column nobody reads is not computed; if the input still has it (another op below
    // read it), it is selected away, so no column is left with its value from before the assign.
    rebuild: (node, [input], out) => {
      const p = node.params as unknown as AssignParams;
      const columns: Record<string, FrameExpr> = {};
      p.names.forEach((n, k) => {
        if (out.has(n)) columns[n] = p.exprs[k]!;
      });
      const stale = new Set(p.names.filter((n) => !out.has(n)));
      const kept = names(input!).filter((n) => !stale.has(n));
      const base = kept.length < input!.meta.fields.length ? selectNode(input!, kept) : input!;
      return Object.keys(columns).length === 0 ? base : assignNode(base, columns);
    },
  },
  'frame.filter': {
    needs: (node, out) => [union(out, exprColumns(node.params.mask as FrameExpr))],
    rebuild: (node, [input]) => filterNode(input!, node.params.mask as FrameExpr),
  },
  'frame.fillna': {
    needs: (_node, out) => [out],
    rebuild: (node, [input]) => {
      const p = node.params as unknown as { names: readonly string[]; values: readonly Literal[] };
      const kept = present(input!);
      const value: Record<string, Literal> = {};
      p.names.forEach((n, j) => {
        if (kept.has(n)) value[n] = p.values[j]!;
      });
      return Object.keys(value).length === 0 ? input! : fillnaNode(input!, value);
    },
  },
  'frame.dropna': {
    // No subset means "a null in any column": every column decides which rows stay.
    needs: (node, out) => {
      const subset = node.params.subset as readonly string[];
      return [subset.length === 0 ? 'all' : union(out, subset)];
    },
    rebuild: (node, [input]) => {
      const subset = node.params.subset as readonly string[];
      return dropnaNode(input!, subset.length === 0 ? undefined : subset);
    },
  },
  'frame.sortValues': {
    needs: (node, out) => [union(out, node.params.by as readonly string[])],
    rebuild: (node, [input]) => sortValuesNode(input!, node.params.by as string[], node.params.ascending as boolean[]),
  },
  'frame.topN': {
    needs: (node, out) => [union(out, node.params.by as readonly string[])],
    rebuild: (node, [input]) => topNNode(input!, node.params.by as string[], node.params.ascending as boolean[], node.params.n as number),
  },
  'frame.dropDuplicates': {
    needs: (node, out) => [union(out, node.params.keys as readonly string[])],
    rebuild: (node, inputs) => passThrough(node, inputs),
  },
  'frame.groupbyAgg': {
    // Aggregations nobody reads are dropped (one is kept: a group-by needs one).
    needs: (node, out) => {
      const p = node.params as unknown as GroupbyParams;
      return [union(p.keys, usedAggs(p, out).map((a) => a.column))];
    },
    rebuild: (node, [input], out) => {
      const p = node.params as unknown as GroupbyParams;
      const spec = Object.fromEntries(usedAggs(p, out).map((a) => [a.column, a.fn]));
      return groupbyAggNode(input!, p.keys, spec, p.options);
    },
  },
  'frame.valueCounts': {
    needs: (node) => [new Set([node.params.column as string])],
    rebuild: (node, inputs) => sameOutput(node, inputs),
  },
  'frame.describe': {
    needs: (node) => [new Set(node.params.columns as readonly string[])],
    rebuild: (node, inputs) => sameOutput(node, inputs),
  },
  'frame.merge': {
    // A name on both sides is read on both or on neither: dropping one would drop the other's suffix.
    needs: (node, out) => {
      const on = (node.params as unknown as MergeParams).join.on;
      const { left, right, clash } = mergeSources(node);
      const l = new Set(on);
      const r = new Set(on);
      for (const [name, c] of left) if (out.has(name)) l.add(c);
      for (const [name, c] of right) if (out.has(name)) r.add(c);
      for (const c of clash) {
        if (l.has(c) || r.has(c)) {
          l.add(c);
          r.add(c);
        }
      }
      return [l, r];
    },
    // A side that could not be narrowed (executed, say) may still have a clashing name the other side
    // dropped: nobody reads it, and it is selected away so that the suffixes stay as they were.
    rebuild: (node, [l, r]) => {
      const p = node.params as unknown as MergeParams;
      const { clash } = mergeSources(node);
      const inL = present(l!);
      const inR = present(r!);
      const odd = new Set([...clash].filter((c) => inL.has(c) !== inR.has(c)));
      const without = (side: FrameNode): FrameNode => {
        const keep = names(side).filter((n) => !odd.has(n));
        return keep.length < side.meta.fields.length ? selectNode(side, keep) : side;
      };
      const left = without(l!);
      const right = without(r!);
      return mergeNode(left, right, {
        on: p.join.on, how: p.join.how, method: p.method, broadcastMaxBytes: p.broadcastMaxBytes, ...(p.partitions === null ? {} : { partitions: p.partitions }),
      });
    },
  },
};

const keepFields = (fields: readonly FrameField[], keep: readonly string[]): FrameField[] => fields.filter((f) => keep.includes(f.name));

interface CsvColumn {
  readonly index: number;
  readonly name: string;
  readonly dtype: string;
}

export const SOURCE_RULES: Readonly<Record<string, SourceRule>> = {
  'frame.read_csv': {
    narrow(node, keep) {
      const p = node.params as { layout: { columns: readonly CsvColumn[] } };
      const layout = { ...p.layout, columns: p.layout.columns.filter((c) => keep.includes(c.name)) };
      return makeTileable(node.op, { ...node.params, layout }, [], frameMeta(keepFields(node.meta.fields, keep), node.meta.rows)) as FrameNode;
    },
  },
  'frame.read_parquet': {
    narrow(node, keep) {
      const fields = keepFields(node.meta.fields, keep);
      return makeTileable(node.op, { ...node.params, fields }, [], frameMeta(fields, node.meta.rows)) as FrameNode;
    },
  },
  'frame.read_arrow': {
    narrow(node, keep) {
      const fields = keepFields(node.meta.fields, keep);
      return makeTileable(node.op, { ...node.params, fields }, [], frameMeta(fields, node.meta.rows)) as FrameNode;
    },
  },
  'frame.from_data': {
    // The params hold the data: the key comes from the original's key and the kept names, so the
    // data is not hashed again. Numbers keep their buffers; only the kept strings get decoded.
    narrow(node, keep) {
      const p = node.params as { names: readonly string[]; chunks: readonly InlineChunk[] };
      const at = keep.map((n) => p.names.indexOf(n));
      const chunks = p.chunks.map((c) => ({ rows: c.rows, columns: at.map((j) => c.columns[j]!) }));
      const key = keyOf(node.op, { of: node.key, keep }, []);
      return makeTileable(node.op, { names: [...keep], chunks }, [], frameMeta(keepFields(node.meta.fields, keep), node.meta.rows), { key }) as FrameNode;
    },
  },
};

/** Whether `op` is a source that can read fewer columns. */
export function isNarrowable(op: string): boolean {
  return Object.hasOwn(SOURCE_RULES, op);
}
