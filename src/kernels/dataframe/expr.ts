/**
 * Kernels of the chunk-by-chunk dataframe ops built on Series expressions (ops/dataframe/expr.ts):
 * each evaluates compiled expressions (exprCompile.ts) on one chunk.
 * - `frame.series`: one expression → a one-column chunk.
 * - `frame.assign`: expressions added as columns (a name already there is replaced in place); every
 *   expression reads the *input* chunk, not columns assigned by the same call.
 * - `frame.filter`: the rows where the mask is true, the mask evaluated and the columns gathered block
 *   by block (exprFilter.ts). String dictionaries are kept as they are.
 * - `frame.fillna`: nulls of the named columns replaced by a literal (NaN is a value, not a null).
 */
import { type FrameChunk, type FrameColumn, columnOf, isFrameChunk, makeFrame } from '../../base/frame.js';
import { colExpr, fillExpr, type FrameExpr, type Literal } from '../../base/frameExpr.js';
import { registerKernel } from '../registry.js';
import { evaluateExpr } from './exprCompile.js';
import { filterRows } from './exprFilter.js';

export { evaluateExpr } from './exprCompile.js';
export { filterRows, maskIndex } from './exprFilter.js';

export interface SeriesParams {
  readonly expr: FrameExpr;
  readonly name: string;
}
export interface AssignParams {
  readonly names: readonly string[];
  readonly exprs: readonly FrameExpr[];
}
export interface FilterParams {
  readonly mask: FrameExpr;
}
export interface FillnaParams {
  /** Column names and the literal that replaces each one's nulls. */
  readonly names: readonly string[];
  readonly values: readonly Literal[];
}

function chunkOf(inputs: readonly unknown[], kernel: string): FrameChunk {
  const c = inputs[0];
  if (!isFrameChunk(c)) throw new Error(`${kernel} expects a dataframe chunk as its input.`);
  return c;
}

/** `chunk` with `names` set to `columns`: replaced in place where present, appended otherwise. */
export function withColumns(chunk: FrameChunk, names: readonly string[], columns: readonly FrameColumn[]): FrameChunk {
  const outNames = [...chunk.names];
  const outCols = [...chunk.columns];
  names.forEach((name, j) => {
    const at = outNames.indexOf(name);
    if (at >= 0) outCols[at] = columns[j]!;
    else {
      outNames.push(name);
      outCols.push(columns[j]!);
    }
  });
  // makeFrame would report a zero-column chunk as 0 rows; every column here has the chunk's rows.
  return outNames.length === 0 ? chunk : makeFrame(outNames, outCols);
}

function hasNulls(c: FrameColumn): boolean {
  return c.dtype === 'string' ? c.codes.includes(-1) : c.valid !== null && c.valid.includes(0);
}

registerKernel<SeriesParams>('frame.series', (inputs, p) => {
  const chunk = chunkOf(inputs, 'frame.series');
  return makeFrame([p.name], [evaluateExpr(p.expr, chunk)]);
});

registerKernel<AssignParams>('frame.assign', (inputs, p) => {
  const chunk = chunkOf(inputs, 'frame.assign');
  return withColumns(chunk, p.names, p.exprs.map((e) => evaluateExpr(e, chunk)));
});

registerKernel<FilterParams>('frame.filter', (inputs, p) => {
  const chunk = chunkOf(inputs, 'frame.filter');
  return filterRows(p.mask, chunk);
});

registerKernel<FillnaParams>('frame.fillna', (inputs, p) => {
  const chunk = chunkOf(inputs, 'frame.fillna');
  const columns = p.names.map((name, j) => {
    const c = columnOf(chunk, name);
    const e = fillExpr(colExpr({ name, dtype: c.dtype }), p.values[j]!);
    // A column with no nulls that keeps its dtype is already filled.
    return e.dtype === c.dtype && !hasNulls(c) ? c : evaluateExpr(e, chunk);
  });
  return withColumns(chunk, p.names, columns);
});
