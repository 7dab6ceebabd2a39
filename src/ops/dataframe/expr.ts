/**
 * The dataframe ops built on Series expressions, all chunk by chunk (output chunk i is one kernel call
 * on input chunk i, see chunkwise.ts): `seriesNode` (an expression as a one-column frame),
 * `assignNode` (add or replace columns), `filterNode` (rows where a bool mask is true), `fillnaNode`
 * and `dropnaNode`. Everything checkable is checked here, when the node is built: every column an
 * expression reads must exist in the frame with the dtype the expression was built for, a mask must
 * be bool, a fill value must fit its column. The kernels are in kernels/dataframe/expr.ts and rows.ts;
 * the expression semantics (nulls, NaN, division by zero, casts) in kernels/dataframe/exprCompile.ts.
 */
import { DTypeError, InvalidArgumentError } from '../../base/errors.js';
import { describeExpr, exprColumns, fillExpr, colExpr, type FrameExpr, type Literal } from '../../base/frameExpr.js';
import type { FrameDtype, FrameField } from '../../base/frame.js';
import { show } from '../../base/show.js';
import { makeTileable } from '../../dag/nodes.js';
import { registerOp } from '../op.js';
import { tileChunkwise } from './chunkwise.js';
import { rebuildExpr } from './exprCheck.js';
import { fieldOf, fieldsOfNames, frameMeta, type FrameMeta, type FrameNode } from './meta.js';

/** Every column node of `e`, depth first. */
function columnNodes(e: FrameExpr, out: Extract<FrameExpr, { t: 'col' }>[] = []): Extract<FrameExpr, { t: 'col' }>[] {
  if (e.t === 'col') out.push(e);
  else if (e.t === 'bin') {
    columnNodes(e.a, out);
    columnNodes(e.b, out);
  } else if (e.t !== 'lit') columnNodes(e.a, out);
  return out;
}

/** Checks that `e` is an expression whose columns are all in `meta` with the dtypes it was built for. */
export function checkExpr(meta: FrameMeta, e: unknown, where: string): FrameExpr {
  // The one expression check (exprCheck.ts): the wire runs it first with its limits and its error type.
  const expr = rebuildExpr(e, {
    name: 'expr',
    refuse: (place, why) => {
      throw new InvalidArgumentError(`${where} needs a Series expression (built with col(name) and its methods), got ${show(e)}: its node ${place} ${why}.`);
    },
  });
  for (const name of exprColumns(expr)) fieldOf(meta, name, `${where}: the expression ${describeExpr(expr)}`);
  for (const c of columnNodes(expr)) {
    const f = fieldOf(meta, c.name, where);
    if (f.dtype !== c.dtype) {
      throw new DTypeError(
        `${where}: the expression ${describeExpr(expr)} reads column ${show(c.name)} as ${c.dtype}, but this frame's ${show(c.name)} is ${f.dtype}; build the expression from this frame's columns.`,
      );
    }
  }
  return expr;
}

function checkName(name: unknown, where: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(`${where} needs a non-empty string column name, got ${show(name)}.`);
  }
  return name;
}

/** The fields after setting `names` to dtypes: replaced in place where present, appended otherwise. */
function withFields(fields: readonly FrameField[], names: readonly string[], dtypes: readonly FrameDtype[]): FrameField[] {
  const out = fields.map((f) => ({ ...f }));
  names.forEach((name, j) => {
    const at = out.findIndex((f) => f.name === name);
    if (at >= 0) out[at] = { name, dtype: dtypes[j]! };
    else out.push({ name, dtype: dtypes[j]! });
  });
  return out;
}

/** An expression over `frame` as a one-column frame named `name` (same rows as `frame`). */
export function seriesNode(frame: FrameNode, expr: FrameExpr, name: string): FrameNode {
  const e = checkExpr(frame.meta, expr, 'series');
  const n = checkName(name, 'series');
  return makeTileable('frame.series', { expr: e, name: n }, [frame], frameMeta([{ name: n, dtype: e.dtype }], frame.meta.rows));
}

/** Adds or replaces columns; every expression reads `frame`'s columns (not ones assigned alongside it). */
export function assignNode(frame: FrameNode, columns: Record<string, FrameExpr>): FrameNode {
  if (typeof columns !== 'object' || columns === null || Array.isArray(columns) || Object.keys(columns).length === 0) {
    throw new InvalidArgumentError(`assign needs an object of { name: expression } with at least one entry, got ${show(columns)}.`);
  }
  const names = Object.keys(columns).map((k) => checkName(k, 'assign'));
  const exprs = names.map((k) => checkExpr(frame.meta, columns[k], `assign(${show(k)})`));
  const fields = withFields(frame.meta.fields, names, exprs.map((e) => e.dtype));
  return makeTileable('frame.assign', { names, exprs }, [frame], frameMeta(fields, frame.meta.rows));
}

/** The rows where `mask` is true (false and null drop a row); rows are unknown until it runs. */
export function filterNode(frame: FrameNode, mask: FrameExpr): FrameNode {
  const m = checkExpr(frame.meta, mask, 'filter');
  if (m.dtype !== 'bool') {
    throw new DTypeError(`filter needs a bool mask, got ${m.dtype} (${describeExpr(m)}); compare it to something first, e.g. .gt(0) or .notNull().`);
  }
  return makeTileable('frame.filter', { mask: m }, [frame], frameMeta(frame.meta.fields));
}

/** Whether a fill value's type fits a column dtype (a number fits int32 and float64 columns). */
function fits(v: Literal, dtype: FrameDtype): boolean {
  if (typeof v === 'number') return dtype === 'int32' || dtype === 'float64';
  if (typeof v === 'string') return dtype === 'string';
  return typeof v === 'boolean' && dtype === 'bool';
}

function checkFillValue(v: unknown, where: string): Literal {
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  throw new InvalidArgumentError(`${where} needs a number, string or boolean to fill nulls with, got ${show(v)}.`);
}

/**
 * Replaces nulls: a single value fills every column it fits (numbers fill number columns, strings
 * string columns, booleans bool columns; the others are left as they are), an object fills the columns
 * it names, each with its own value, which must fit. An int32 column filled with a non-integer becomes
 * float64. NaN is a value, not a null, and stays.
 */
export function fillnaNode(frame: FrameNode, value: Literal | Record<string, Literal>): FrameNode {
  const names: string[] = [];
  const values: Literal[] = [];
  if (typeof value === 'object' && value !== null) {
    if (Array.isArray(value) || Object.keys(value).length === 0) {
      throw new InvalidArgumentError(`fillna needs a value or an object of { column: value } with at least one entry, got ${show(value)}.`);
    }
    for (const [name, raw] of Object.entries(value)) {
      const f = fieldOf(frame.meta, name, 'fillna');
      const v = checkFillValue(raw, `fillna(${show(name)})`);
      if (!fits(v, f.dtype)) {
        throw new DTypeError(`fillna: column ${show(name)} is ${f.dtype}, so ${show(v)} cannot fill it; give a ${f.dtype === 'string' ? 'string' : f.dtype === 'bool' ? 'boolean' : 'number'}.`);
      }
      names.push(name);
      values.push(v);
    }
  } else {
    const v = checkFillValue(value, 'fillna');
    for (const f of frame.meta.fields) {
      if (fits(v, f.dtype)) {
        names.push(f.name);
        values.push(v);
      }
    }
    if (names.length === 0) {
      throw new DTypeError(`fillna(${show(v)}): no column of this frame can hold it (the dtypes are ${show(frame.meta.fields.map((f) => f.dtype))}); pass { column: value } with values of the columns' types.`);
    }
  }
  const dtypes = names.map((name, j) => fillExpr(colExpr(fieldOf(frame.meta, name, 'fillna')), values[j]!).dtype);
  const fields = withFields(frame.meta.fields, names, dtypes);
  return makeTileable('frame.fillna', { names, values }, [frame], frameMeta(fields, frame.meta.rows));
}

/** Drops the rows with a null in any of `subset` (every column when omitted); NaN is not null. */
export function dropnaNode(frame: FrameNode, subset?: readonly string[]): FrameNode {
  const names = subset === undefined ? [] : fieldsOfNames(frame.meta, subset, 'dropna subset').map((f) => f.name);
  return makeTileable('frame.dropna', { subset: names }, [frame], frameMeta(frame.meta.fields));
}

for (const [name, keepsRows] of [
  ['frame.series', true], ['frame.assign', true], ['frame.filter', false], ['frame.fillna', true], ['frame.dropna', false],
] as const) {
  registerOp({
    name,
    tile: (node, ctx) => tileChunkwise(node, ctx, ctx.input(0), name, { params: node.params, keepsRows }),
  });
}
