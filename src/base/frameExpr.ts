/**
 * The Series expression language, as plain data. `d.col('a').mul(2).gt(d.col('b'))` builds a tree of
 * these nodes over the columns of one dataframe; `filter`, `assign` and friends carry the tree in their
 * params, and a kernel compiles it (kernels/dataframe) into one generated loop per chunk with no
 * temporaries — the dataframe analogue of tensor fusion. Every node carries its result dtype, decided
 * here when the user builds it, so a type error (adding a string to a number) fails at that line.
 *
 * Null semantics (Arrow's and SQL's, which pandas' nullable dtypes follow):
 * - arithmetic, comparison and string ops on a null give null;
 * - `and`/`or` are Kleene: `false and null` is false, `true or null` is true, otherwise null;
 * - `isNull`/`notNull` never give null; `fillNull` replaces nulls;
 * - a filter keeps a row only where its mask is true (null drops the row).
 * Number rules: int32 arithmetic (`add`, `sub`, `mul`, `neg`, `abs`) gives int32 only for `mod` and
 * `floordiv`; the others give float64, exact to 2^53, so no int32 sum or product ever wraps around;
 * `div` and `pow` always give float64. Comparing a string column with a string literal compares text.
 */
import { DTypeError } from './errors.js';
import type { FrameDtype, FrameField } from './frame.js';
import { show } from './show.js';

export const ARITH_OPS = ['add', 'sub', 'mul', 'div', 'floordiv', 'mod', 'pow'] as const;
export const COMPARE_OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export const LOGIC_OPS = ['and', 'or'] as const;
export type ArithOp = (typeof ARITH_OPS)[number];
export type CompareOp = (typeof COMPARE_OPS)[number];
export type LogicOp = (typeof LOGIC_OPS)[number];
export type FrameBinaryOp = ArithOp | CompareOp | LogicOp;

export const FRAME_UNARY_OPS = ['neg', 'abs', 'not', 'isNull', 'notNull', 'sqrt', 'exp', 'log', 'floor', 'ceil', 'round'] as const;
export type FrameUnaryOp = (typeof FRAME_UNARY_OPS)[number];

/** String predicates and transforms; `arg` is the pattern (`startsWith` etc.) where there is one. */
export const STRING_OPS = ['startsWith', 'endsWith', 'contains', 'len', 'lower', 'upper'] as const;
export type StringOp = (typeof STRING_OPS)[number];

export type Literal = number | string | boolean | null;

export type FrameExpr =
  | { readonly t: 'col'; readonly name: string; readonly dtype: FrameDtype }
  | { readonly t: 'lit'; readonly v: Literal; readonly dtype: FrameDtype }
  | { readonly t: 'bin'; readonly op: FrameBinaryOp; readonly a: FrameExpr; readonly b: FrameExpr; readonly dtype: FrameDtype }
  | { readonly t: 'un'; readonly op: FrameUnaryOp; readonly a: FrameExpr; readonly dtype: FrameDtype }
  | { readonly t: 'str'; readonly op: StringOp; readonly a: FrameExpr; readonly arg: string | undefined; readonly dtype: FrameDtype }
  | { readonly t: 'isin'; readonly a: FrameExpr; readonly values: readonly Literal[]; readonly dtype: 'bool' }
  | { readonly t: 'fill'; readonly a: FrameExpr; readonly v: Literal; readonly dtype: FrameDtype }
  | { readonly t: 'cast'; readonly a: FrameExpr; readonly dtype: FrameDtype };

const isNumeric = (d: FrameDtype): boolean => d === 'int32' || d === 'float64';

export function colExpr(field: FrameField): FrameExpr {
  return { t: 'col', name: field.name, dtype: field.dtype };
}

/** A literal's dtype: integers that fit int32 are int32, other numbers float64; null takes `like`'s dtype. */
export function litExpr(v: Literal, like?: FrameDtype): FrameExpr {
  if (v === null) return { t: 'lit', v, dtype: like ?? 'float64' };
  switch (typeof v) {
    case 'number':
      return { t: 'lit', v, dtype: Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? 'int32' : 'float64' };
    case 'string':
      return { t: 'lit', v, dtype: 'string' };
    case 'boolean':
      return { t: 'lit', v, dtype: 'bool' };
    default:
      throw new DTypeError(`a Series literal must be a number, string, boolean or null, got ${show(v)}.`);
  }
}

function refuse(op: string, a: FrameExpr, b?: FrameExpr): never {
  const types = b ? `${a.dtype} and ${b.dtype}` : a.dtype;
  throw new DTypeError(`${op} is not defined for ${types} (${describeExpr(a)}${b ? `, ${describeExpr(b)}` : ''}).`);
}

export function binaryExpr(op: FrameBinaryOp, a: FrameExpr, b: FrameExpr): FrameExpr {
  if ((ARITH_OPS as readonly string[]).includes(op)) {
    if (!isNumeric(a.dtype) || !isNumeric(b.dtype)) refuse(op, a, b);
    const int = a.dtype === 'int32' && b.dtype === 'int32' && (op === 'mod' || op === 'floordiv');
    return { t: 'bin', op, a, b, dtype: int ? 'int32' : 'float64' };
  }
  if ((COMPARE_OPS as readonly string[]).includes(op)) {
    const ok = (isNumeric(a.dtype) && isNumeric(b.dtype)) || a.dtype === b.dtype;
    if (!ok) refuse(op, a, b);
    return { t: 'bin', op, a, b, dtype: 'bool' };
  }
  if (a.dtype !== 'bool' || b.dtype !== 'bool') refuse(op, a, b);
  return { t: 'bin', op, a, b, dtype: 'bool' };
}

export function unaryExpr(op: FrameUnaryOp, a: FrameExpr): FrameExpr {
  switch (op) {
    case 'isNull':
    case 'notNull':
      return { t: 'un', op, a, dtype: 'bool' };
    case 'not':
      if (a.dtype !== 'bool') refuse(op, a);
      return { t: 'un', op, a, dtype: 'bool' };
    case 'neg':
    case 'abs':
      if (!isNumeric(a.dtype)) refuse(op, a);
      return { t: 'un', op, a, dtype: 'float64' };
    default:
      if (!isNumeric(a.dtype)) refuse(op, a);
      return { t: 'un', op, a, dtype: 'float64' };
  }
}

export function stringExpr(op: StringOp, a: FrameExpr, arg?: string): FrameExpr {
  if (a.dtype !== 'string') refuse(`str.${op}`, a);
  const needsArg = op === 'startsWith' || op === 'endsWith' || op === 'contains';
  if (needsArg && typeof arg !== 'string') throw new DTypeError(`str.${op} needs a string argument, got ${show(arg)}.`);
  const dtype: FrameDtype = op === 'len' ? 'int32' : op === 'lower' || op === 'upper' ? 'string' : 'bool';
  return { t: 'str', op, a, arg: needsArg ? arg : undefined, dtype };
}

export function isinExpr(a: FrameExpr, values: readonly Literal[]): FrameExpr {
  for (const v of values) {
    if (v === null) continue;
    const d = litExpr(v).dtype;
    if (!(d === a.dtype || (isNumeric(d) && isNumeric(a.dtype)))) refuse('isin', a, litExpr(v));
  }
  return { t: 'isin', a, values: [...values], dtype: 'bool' };
}

export function fillExpr(a: FrameExpr, v: Literal): FrameExpr {
  if (v === null) return a;
  const d = litExpr(v).dtype;
  if (!(d === a.dtype || (isNumeric(d) && isNumeric(a.dtype)))) refuse('fillna', a, litExpr(v));
  const dtype = a.dtype === 'int32' && d === 'float64' ? 'float64' : a.dtype;
  return { t: 'fill', a, v, dtype };
}

/** Casts between numbers and booleans (and anything to string); string to number is not a cast here. */
export function castExpr(a: FrameExpr, dtype: FrameDtype): FrameExpr {
  if (a.dtype === dtype) return a;
  if (a.dtype === 'string' && dtype !== 'string') refuse(`cast to ${dtype}`, a);
  return { t: 'cast', a, dtype };
}

/** The columns an expression reads. */
export function exprColumns(e: FrameExpr, out = new Set<string>()): Set<string> {
  switch (e.t) {
    case 'col':
      out.add(e.name);
      break;
    case 'lit':
      break;
    case 'bin':
      exprColumns(e.a, out);
      exprColumns(e.b, out);
      break;
    default:
      exprColumns(e.a, out);
  }
  return out;
}

/** Short text of an expression for error messages and `toDot`: `(col(a) * 2) > col(b)`. */
export function describeExpr(e: FrameExpr): string {
  switch (e.t) {
    case 'col':
      return `col(${e.name})`;
    case 'lit':
      return JSON.stringify(e.v);
    case 'bin':
      return `(${describeExpr(e.a)} ${e.op} ${describeExpr(e.b)})`;
    case 'un':
      return `${e.op}(${describeExpr(e.a)})`;
    case 'str':
      return `str.${e.op}(${describeExpr(e.a)}${e.arg !== undefined ? `, ${JSON.stringify(e.arg)}` : ''})`;
    case 'isin':
      return `isin(${describeExpr(e.a)}, ${JSON.stringify(e.values)})`;
    case 'fill':
      return `fillna(${describeExpr(e.a)}, ${JSON.stringify(e.v)})`;
    case 'cast':
      return `cast(${describeExpr(e.a)}, ${e.dtype})`;
  }
}
