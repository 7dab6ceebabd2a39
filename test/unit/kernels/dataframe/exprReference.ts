/**
 * A plain interpreter of Series expressions, row by row over JavaScript values — the reference the
 * compiled loops are tested against — and random chunks and expression trees to feed both: nulls,
 * NaN, ±0, ±Infinity, int32 extremes, unicode strings (surrogate pairs, U+FFFF, ß), empty and
 * one-row chunks, dictionaries with unused entries.
 */
import fc from 'fast-check';
import { type FrameChunk, type FrameColumn, makeFrame, valueAt } from '../../../../src/base/frame.js';
import {
  binaryExpr, castExpr, colExpr, fillExpr, type FrameExpr, isinExpr, type Literal, litExpr, stringExpr, unaryExpr,
} from '../../../../src/base/frameExpr.js';
import { pyFloorDiv, roundHalfEven } from '../../../support/reference.js';
import { utf8DictOf } from '../../../../src/base/utf8Dict.js';

export type Value = number | boolean | string | null;

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Code-point order, the spelled-out way. */
function cmpText(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k]! < y[k]! ? -1 : 1;
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

function compare(op: string, a: Value, b: Value): boolean {
  if (typeof a === 'string') {
    const c = cmpText(a, b as string);
    return { eq: c === 0, ne: c !== 0, lt: c < 0, le: c <= 0, gt: c > 0, ge: c >= 0 }[op]!;
  }
  const x = Number(a);
  const y = Number(b);
  return { eq: x === y, ne: x !== y, lt: x < y, le: x <= y, gt: x > y, ge: x >= y }[op]!;
}

/** Python's float mod: the divisor's sign, a zero result included. */
function floatMod(a: number, b: number): number {
  const r = a % b;
  if (r === 0) return b < 0 ? -0 : 0;
  return r < 0 !== b < 0 ? r + b : r;
}

function arith(op: string, a: number, b: number, int: boolean): number | null {
  if (int) {
    if (b === 0) return null;
    const q = Math.floor(a / b);
    if (op === 'floordiv') return q >= INT_MIN && q <= INT_MAX ? q + 0 : null;
    return a - q * b + 0;
  }
  switch (op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return a / b;
    case 'pow': return a ** b;
    case 'floordiv': return pyFloorDiv(a, b);
    default: return floatMod(a, b);
  }
}

function unary(op: string, x: number): number {
  switch (op) {
    case 'neg': return -x;
    case 'round': {
      const r = roundHalfEven(x);
      return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
    }
    default: return (Math as unknown as Record<string, (v: number) => number>)[op]!(x);
  }
}

/** The value of `e` at row `i` of `chunk`; an int32 value is never -0 (an int32 has no -0). */
export function interpret(e: FrameExpr, chunk: FrameChunk, i: number): Value {
  const v = interpretNode(e, chunk, i);
  return e.dtype === 'int32' && typeof v === 'number' ? v + 0 : v;
}

function interpretNode(e: FrameExpr, chunk: FrameChunk, i: number): Value {
  const rec = (x: FrameExpr): Value => interpret(x, chunk, i);
  switch (e.t) {
    case 'col':
      return valueAt(chunk.columns[chunk.names.indexOf(e.name)]!, i);
    case 'lit':
      return e.v;
    case 'bin': {
      const a = rec(e.a);
      const b = rec(e.b);
      if (e.op === 'and') return a === false || b === false ? false : a === null || b === null ? null : true;
      if (e.op === 'or') return a === true || b === true ? true : a === null || b === null ? null : false;
      if (a === null || b === null) return null;
      if (['eq', 'ne', 'lt', 'le', 'gt', 'ge'].includes(e.op)) return compare(e.op, a, b);
      return arith(e.op, a as number, b as number, e.dtype === 'int32');
    }
    case 'un': {
      const a = rec(e.a);
      if (e.op === 'isNull') return a === null;
      if (e.op === 'notNull') return a !== null;
      if (a === null) return null;
      return e.op === 'not' ? !a : unary(e.op, a as number);
    }
    case 'str': {
      const s = rec(e.a) as string | null;
      if (s === null) return null;
      const arg = e.arg!;
      switch (e.op) {
        case 'startsWith': return s.slice(0, arg.length) === arg;
        case 'endsWith': return arg.length === 0 || s.slice(-arg.length) === arg;
        case 'contains': return s.indexOf(arg) >= 0;
        case 'len': return Array.from(s).length;
        case 'lower': return s.toLowerCase();
        default: return s.toUpperCase();
      }
    }
    case 'isin': {
      const a = rec(e.a);
      if (a === null) return e.values.includes(null);
      return e.values.some((v) => v !== null && (typeof a === 'string' ? v === a : Object.is(Number(v) + 0, Number(a) + 0)));
    }
    case 'fill': {
      const a = rec(e.a);
      return a === null ? e.v : a;
    }
    case 'cast': {
      const a = rec(e.a);
      if (a === null) return null;
      if (e.dtype === 'string') return typeof a === 'boolean' ? String(a) : String(a);
      if (e.dtype === 'bool') return a !== 0;
      if (e.dtype === 'float64') return Number(a);
      if (typeof a === 'boolean') return Number(a);
      const t = Math.trunc(a as number);
      return Number.isFinite(t) && t >= INT_MIN && t <= INT_MAX ? t + 0 : null;
    }
  }
}

/** Whether two row values are the same (numbers by Object.is: NaN equals NaN, -0 differs from 0). */
export function sameValue(a: Value, b: Value): boolean {
  return Object.is(a, b);
}

// ---- random data ----

const INTS = [0, 1, -1, 2, 3, -7, 10, 100, INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1];
const FLOATS = [0, -0, 0.5, -2.5, 1.5, 2.5, 3.7, -3.7, 10, 1e10, -1e300, NaN, Infinity, -Infinity, 2147483647.9, -2147483648.5, 1e-310];
export const TEXTS = ['', 'a', 'A', 'ab', 'Ab', 'id016', 'id1', 'é', 'É', 'ß', '😀', '😀x', '\uffff', '\ue000', 'İ', 'b a'];

const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const numberColumn = (dtype: 'int32' | 'float64', n: number): fc.Arbitrary<FrameColumn> =>
  fc.record({
    values: fc.array(dtype === 'int32' ? fc.oneof(pick(INTS), fc.integer({ min: -20, max: 20 })) : fc.oneof(pick(FLOATS), fc.double()), { minLength: n, maxLength: n }),
    valid: fc.option(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { nil: null }),
  }).map(({ values, valid }) => ({
    dtype,
    values: dtype === 'int32' ? Int32Array.from(values) : Float64Array.from(values),
    valid: valid === null ? null : Uint8Array.from(valid, (v) => (v ? 1 : 0)),
  }) as FrameColumn);

const boolColumn = (n: number): fc.Arbitrary<FrameColumn> =>
  fc.record({
    values: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    valid: fc.option(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { nil: null }),
  }).map(({ values, valid }) => ({
    dtype: 'bool',
    values: Uint8Array.from(values, Number),
    valid: valid === null ? null : Uint8Array.from(valid, Number),
  }));

/** A dictionary column: a random subset of TEXTS as the dictionary (some entries maybe unused). */
const stringColumn = (n: number): fc.Arbitrary<FrameColumn> =>
  fc.shuffledSubarray(TEXTS, { minLength: 1 }).chain((dict) =>
    fc.array(fc.integer({ min: -1, max: dict.length - 1 }), { minLength: n, maxLength: n })
      .map((codes) => ({ dtype: 'string' as const, codes: Int32Array.from(codes), dict: utf8DictOf(dict) })));

export const SCHEMA = [
  { name: 'i', dtype: 'int32' }, { name: 'j', dtype: 'int32' }, { name: 'f', dtype: 'float64' },
  { name: 'b', dtype: 'bool' }, { name: 's', dtype: 'string' }, { name: 't', dtype: 'string' },
] as const;

export const chunkArb: fc.Arbitrary<FrameChunk> = fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 2, max: 40 })).chain((n) =>
  fc.tuple(numberColumn('int32', n), numberColumn('int32', n), numberColumn('float64', n), boolColumn(n), stringColumn(n), stringColumn(n))
    .map((cols) => makeFrame(SCHEMA.map((f) => f.name), cols)));

// ---- random expressions (built with the frameExpr builders, so every tree is well typed) ----

type Kind = 'num' | 'bool' | 'string';
const col = (name: string): FrameExpr => colExpr(SCHEMA.find((f) => f.name === name)!);
const numLit: fc.Arbitrary<FrameExpr> = fc.oneof(pick(INTS), pick(FLOATS), fc.constant(null)).map((v) => litExpr(v, 'int32'));

function exprOf(kind: Kind, depth: number): fc.Arbitrary<FrameExpr> {
  const sub = (k: Kind): fc.Arbitrary<FrameExpr> => exprOf(k, depth - 1);
  if (kind === 'num') {
    const leaves = [pick(['i', 'j', 'f']).map(col), numLit];
    if (depth <= 0) return fc.oneof(...leaves);
    return fc.oneof(
      ...leaves,
      fc.tuple(pick(['add', 'sub', 'mul', 'div', 'floordiv', 'mod', 'pow'] as const), sub('num'), sub('num')).map(([op, a, b]) => binaryExpr(op, a, b)),
      fc.tuple(pick(['neg', 'abs', 'sqrt', 'exp', 'log', 'floor', 'ceil', 'round'] as const), sub('num')).map(([op, a]) => unaryExpr(op, a)),
      sub('string').map((a) => stringExpr('len', a)),
      fc.tuple(sub('num'), fc.oneof(pick(INTS), pick(FLOATS))).map(([a, v]) => fillExpr(a, v)),
      fc.tuple(sub('num'), pick(['int32', 'float64'] as const)).map(([a, d]) => castExpr(a, d)),
      sub('bool').map((a) => castExpr(a, 'int32')),
      sub('bool').map((a) => castExpr(a, 'float64')),
    );
  }
  if (kind === 'bool') {
    const leaves = [fc.constant(col('b')), pick([true, false, null]).map((v) => litExpr(v, 'bool'))];
    if (depth <= 0) return fc.oneof(...leaves);
    const cmp = pick(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const);
    return fc.oneof(
      ...leaves,
      fc.tuple(cmp, sub('num'), sub('num')).map(([op, a, b]) => binaryExpr(op, a, b)),
      fc.tuple(cmp, sub('string'), sub('string')).map(([op, a, b]) => binaryExpr(op, a, b)),
      fc.tuple(cmp, sub('string'), pick(TEXTS), fc.boolean()).map(([op, a, s, flip]) => (flip ? binaryExpr(op, litExpr(s), a) : binaryExpr(op, a, litExpr(s)))),
      fc.tuple(cmp, sub('bool'), sub('bool')).map(([op, a, b]) => binaryExpr(op, a, b)),
      fc.tuple(pick(['and', 'or'] as const), sub('bool'), sub('bool')).map(([op, a, b]) => binaryExpr(op, a, b)),
      sub('bool').map((a) => unaryExpr('not', a)),
      fc.tuple(pick(['isNull', 'notNull'] as const), fc.oneof(sub('num'), sub('string'), sub('bool'))).map(([op, a]) => unaryExpr(op, a)),
      fc.tuple(pick(['startsWith', 'endsWith', 'contains'] as const), sub('string'), pick(TEXTS)).map(([op, a, s]) => stringExpr(op, a, s)),
      fc.tuple(sub('string'), fc.array(fc.oneof(pick(TEXTS), fc.constant(null)), { maxLength: 4 })).map(([a, v]) => isinExpr(a, v)),
      fc.tuple(sub('num'), fc.array(fc.oneof(pick(INTS), pick(FLOATS), fc.constant(null)), { maxLength: 4 })).map(([a, v]) => isinExpr(a, v as Literal[])),
      fc.tuple(sub('bool'), fc.array(fc.oneof(fc.boolean(), fc.constant(null)), { maxLength: 2 })).map(([a, v]) => isinExpr(a, v)),
      fc.tuple(sub('bool'), fc.boolean()).map(([a, v]) => fillExpr(a, v)),
      sub('num').map((a) => castExpr(a, 'bool')),
    );
  }
  const leaves = [pick(['s', 't']).map(col), fc.oneof(pick(TEXTS), fc.constant(null)).map((v) => litExpr(v, 'string'))];
  if (depth <= 0) return fc.oneof(...leaves);
  return fc.oneof(
    ...leaves,
    fc.tuple(pick(['lower', 'upper'] as const), sub('string')).map(([op, a]) => stringExpr(op, a)),
    fc.tuple(sub('string'), pick(TEXTS)).map(([a, v]) => fillExpr(a, v)),
    fc.oneof(sub('num'), sub('bool')).map((a) => castExpr(a, 'string')),
  );
}

export const exprArb = (kind: Kind, depth = 3): fc.Arbitrary<FrameExpr> => exprOf(kind, depth);
