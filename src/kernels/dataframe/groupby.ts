/**
 * Group-by kernels in three stages, Mars-style: `frame.groupby.partial` pre-aggregates one chunk,
 * `frame.groupby.combine` merges partials (of a tree level, or of one shuffle partition), and
 * `frame.groupby.finalize` merges and turns states into the answer, sorted by the keys (nulls last).
 *
 * A partial is itself a frame chunk, so it can be measured (rows ≈ groups), shuffled and concatenated
 * like any chunk: the key columns, then state columns named `\0<agg index><state>` — `s` a float64 sum,
 * `n` an int32 count, `m`/`l`/`q` the mean (a double-double: `l` its low part) and M2 of a variance,
 * `v` a value of the input's dtype (min, max,
 * first). `nunique` needs the distinct values of each group, so a spec with one adds a `\0tag` column:
 * tag -1 marks the one main row of a group (all other states), tag k a row holding one distinct
 * non-null value of agg k's column for that group in `\0<k>v`. Combines concatenate their inputs in
 * frame order, which is what makes `first` the first non-null value of the frame.
 */
import {
  allocFloat64, allocInt32, columnOf, concatColumns, concatFrames, type FrameChunk, type FrameColumn,
  makeFrame, takeColumn, takeRows,
} from '../../base/frame.js';
import { registerKernel } from '../registry.js';
import {
  combineMoments, groupCounts, groupCountSums, groupMoments, groupPick, groupSums,
} from './aggStates.js';
import { factorize } from './factorize.js';
import { compactDicts, float64Column, frameInputs, int32Column, intValues, numValues, takeOrNull } from './gather.js';
import { keyColumns, sortedRows } from './hashKeys.js';

export type AggFn = 'sum' | 'mean' | 'min' | 'max' | 'count' | 'std' | 'first' | 'nunique';
export const AGG_FNS: readonly AggFn[] = ['sum', 'mean', 'min', 'max', 'count', 'std', 'first', 'nunique'];

/** One aggregation: `size` (rows per group, nulls included) serves value counts. */
export interface AggSpec {
  readonly column: string;
  readonly fn: AggFn | 'size';
  readonly name: string;
}

export interface GroupbyParams {
  readonly keys: readonly string[];
  readonly aggs: readonly AggSpec[];
  /** The shuffle partition a reducer reads from mapper parts. */
  readonly part?: number;
}

export const TAG = '\0tag';
const st = (k: number, s: string): string => `\0${k}${s}`;

const hasTag = (p: GroupbyParams): boolean => p.aggs.some((a) => a.fn === 'nunique');

/** A state column for rows that carry no state (a nunique row): zeros, or nulls for a value. */
function blankState(name: string, like: FrameColumn, n: number): FrameColumn {
  if (name.endsWith('v')) return takeOrNull(like, new Int32Array(n).fill(-1));
  return like.dtype === 'int32' ? int32Column(allocInt32(n)) : { dtype: 'float64', values: allocFloat64(n), valid: null };
}

/**
 * Appends, for each nunique agg k, one row per distinct (keys, value) of `src` with a non-null value:
 * keys and value taken from `src`, tag k, other states blank.
 */
function withTagRows(main: FrameChunk, src: FrameChunk, p: GroupbyParams, valueOf: (k: number) => FrameColumn): FrameChunk {
  const parts = [main];
  const keys = keyColumns(src, p.keys);
  p.aggs.forEach((a, k) => {
    if (a.fn !== 'nunique') return;
    const v = valueOf(k);
    const f = factorize([...keys, v], src.rows);
    const kept = f.first.filter((r) => (v.dtype === 'string' ? v.codes[r]! >= 0 : v.valid === null || v.valid[r] === 1));
    const cols = main.names.map((name, j): FrameColumn => {
      if (j < p.keys.length) return takeColumn(keys[j]!, kept);
      if (name === TAG) return int32Column(allocInt32(kept.length).fill(k));
      if (name === st(k, 'v')) return takeColumn(v, kept);
      return blankState(name, main.columns[j]!, kept.length);
    });
    parts.push(makeFrame(main.names, cols));
  });
  return concatFrames(parts);
}

/** Pre-aggregation of one chunk of raw rows. */
export function groupbyPartial(chunk: FrameChunk, p: GroupbyParams): FrameChunk {
  const keys = keyColumns(chunk, p.keys);
  const { ids, count: g, first } = factorize(keys, chunk.rows);
  const names: string[] = [...p.keys];
  const cols: FrameColumn[] = keys.map((c) => takeColumn(c, first));
  if (hasTag(p)) {
    names.push(TAG);
    cols.push(int32Column(allocInt32(g).fill(-1)));
  }
  // Group sizes are every no-null column's count: counted once.
  let sizes: Int32Array | null = null;
  const countOf = (c: FrameColumn | null): Int32Array => {
    if (c !== null && (c.dtype === 'string' || c.valid !== null)) return groupCounts(c, ids, g);
    sizes ??= groupCounts(null, ids, g);
    return sizes.slice();
  };
  p.aggs.forEach((a, k) => {
    const c = columnOf(chunk, a.column);
    const push = (s: string, col: FrameColumn): void => {
      names.push(st(k, s));
      cols.push(col);
    };
    switch (a.fn) {
      case 'sum': push('s', float64Column(groupSums(c, ids, g), null)); break;
      case 'count': push('n', int32Column(countOf(c))); break;
      case 'size': push('n', int32Column(countOf(null))); break;
      case 'mean':
        push('s', float64Column(groupSums(c, ids, g), null));
        push('n', int32Column(countOf(c)));
        break;
      case 'std': {
        const m = groupMoments(c, ids, g);
        push('n', int32Column(m.n));
        push('m', float64Column(m.mean, null));
        push('l', float64Column(m.meanLo, null));
        push('q', float64Column(m.m2, null));
        break;
      }
      case 'nunique': push('v', takeOrNull(c, new Int32Array(g).fill(-1))); break;
      default: push('v', takeOrNull(c, groupPick(c, ids, g, a.fn)));
    }
  });
  const main = compactDicts(makeFrame(names, cols));
  return hasTag(p) ? withTagRows(main, chunk, p, (k) => columnOf(chunk, p.aggs[k]!.column)) : main;
}

function rowsWhere(tag: Int32Array, want: number): Int32Array {
  let n = 0;
  for (let i = 0; i < tag.length; i++) if (tag[i] === want) n++;
  const out = new Int32Array(n);
  n = 0;
  for (let i = 0; i < tag.length; i++) if (tag[i] === want) out[n++] = i;
  return out;
}

/** Merges partials (in frame order) into one partial with one main row per group. */
export function groupbyCombine(frames: readonly FrameChunk[], p: GroupbyParams): FrameChunk {
  const cat = concatFrames(frames);
  const tagged = hasTag(p);
  const main = tagged ? takeRows(cat, rowsWhere(intValues(columnOf(cat, TAG)), -1)) : cat;
  const { ids, count: g, first } = factorize(keyColumns(main, p.keys), main.rows);
  const cols = main.names.map((name, j): FrameColumn => {
    const c = main.columns[j]!;
    if (j < p.keys.length) return takeColumn(c, first);
    if (name === TAG) return int32Column(allocInt32(g).fill(-1));
    return c;
  });
  p.aggs.forEach((a, k) => {
    const at = (s: string): number => main.names.indexOf(st(k, s));
    const col = (s: string): FrameColumn => main.columns[at(s)]!;
    switch (a.fn) {
      case 'sum': case 'mean':
        cols[at('s')] = float64Column(groupSums(col('s'), ids, g), null);
        if (a.fn === 'mean') cols[at('n')] = int32Column(groupCountSums(col('n'), ids, g));
        break;
      case 'count': case 'size': cols[at('n')] = int32Column(groupCountSums(col('n'), ids, g)); break;
      case 'std': {
        const m = combineMoments(col('n'), col('m'), col('l'), col('q'), ids, g);
        cols[at('n')] = int32Column(m.n);
        cols[at('m')] = float64Column(m.mean, null);
        cols[at('l')] = float64Column(m.meanLo, null);
        cols[at('q')] = float64Column(m.m2, null);
        break;
      }
      case 'nunique': cols[at('v')] = takeOrNull(col('v'), new Int32Array(g).fill(-1)); break;
      default: cols[at('v')] = takeOrNull(col('v'), groupPick(col('v'), ids, g, a.fn));
    }
  });
  const merged = makeFrame(main.names, cols);
  if (!tagged) return merged;
  const tagCol = intValues(columnOf(cat, TAG));
  const parts = [merged];
  p.aggs.forEach((a, k) => {
    if (a.fn !== 'nunique') return;
    const sub = takeRows(cat, rowsWhere(tagCol, k));
    const f = factorize([...keyColumns(sub, p.keys), columnOf(sub, st(k, 'v'))], sub.rows);
    parts.push(takeRows(sub, f.first));
  });
  return concatFrames(parts);
}

/** Distinct values per main row for nunique agg k (main rows come first and hold distinct keys). */
function nuniqueCounts(state: FrameChunk, groups: number, p: GroupbyParams, k: number): Int32Array {
  const tag = intValues(columnOf(state, TAG));
  const rows = rowsWhere(tag, k);
  const mainRows = new Int32Array(groups).map((_, i) => i);
  const keys = keyColumns(state, p.keys).map((c) => concatColumns([takeColumn(c, mainRows), takeColumn(c, rows)]));
  const { ids } = factorize(keys, groups + rows.length);
  const out = allocInt32(groups);
  for (let i = groups; i < ids.length; i++) out[ids[i]!]!++;
  return out;
}

/** The answer from merged states: keys then one column per agg, sorted by the keys, nulls last. */
export function groupbyFinalize(frames: readonly FrameChunk[], p: GroupbyParams): FrameChunk {
  const state = groupbyCombine(frames, p);
  const tag = hasTag(p) ? (intValues(columnOf(state, TAG))) : null;
  let g = state.rows;
  if (tag !== null) g = rowsWhere(tag, -1).length;
  const keys = keyColumns(state, p.keys);
  const order = sortedRows(keys, g);
  const names = [...p.keys];
  const cols = keys.map((c) => takeColumn(c, order));
  p.aggs.forEach((a, k) => {
    const col = (s: string): FrameColumn => columnOf(state, st(k, s));
    const n = (): Int32Array => intValues(col('n'));
    let out: FrameColumn;
    switch (a.fn) {
      case 'sum': out = col('s'); break;
      case 'count': case 'size': out = col('n'); break;
      case 'nunique': out = int32Column(nuniqueCounts(state, g, p, k)); break;
      case 'mean': {
        const s = numValues(col('s'));
        const cnt = n();
        const values = allocFloat64(g);
        const valid = new Uint8Array(g);
        for (let i = 0; i < g; i++) if (cnt[i]! > 0) (values[i] = s[i]! / cnt[i]!), (valid[i] = 1);
        out = float64Column(values, valid);
        break;
      }
      case 'std': {
        const q = numValues(col('q'));
        const cnt = n();
        const values = allocFloat64(g);
        const valid = new Uint8Array(g);
        for (let i = 0; i < g; i++) if (cnt[i]! > 1) (values[i] = Math.sqrt(q[i]! / (cnt[i]! - 1))), (valid[i] = 1);
        out = float64Column(values, valid);
        break;
      }
      default: out = col('v');
    }
    names.push(a.name);
    cols.push(takeColumn(out, order));
  });
  return makeFrame(names, cols);
}

registerKernel<GroupbyParams>('frame.groupby.partial', (inputs, p) => groupbyPartial(frameInputs(inputs, p.part)[0]!, p));
registerKernel<GroupbyParams>('frame.groupby.combine', (inputs, p) => groupbyCombine(frameInputs(inputs, p.part), p));
registerKernel<GroupbyParams>('frame.groupby.finalize', (inputs, p) => groupbyFinalize(frameInputs(inputs, p.part), p));
