/**
 * Random Series expressions built the way users build them — `d.col('i').add(2).gt(d.col('f'))`,
 * `d.col('s').str.startsWith('😀').or(d.col('b').not())` — as recipes `(d) => Series`, so one recipe
 * applies to the frame under test and its `expr` goes to the plain interpreter
 * (test/unit/kernels/dataframe/exprReference.ts) for the expected values. Every recipe is well typed by
 * construction: numbers meet numbers, strings meet strings. The frame has the interpreter's SCHEMA
 * (i, j: int32; f: float64; b: bool; s, t: string).
 */
import fc from 'fast-check';
import type { DataFrame, Series, SeriesLike } from '../../src/index.js';
import { TEXTS } from '../unit/kernels/dataframe/exprReference.js';

export type Recipe = (d: DataFrame) => Series;
type Operand = (d: DataFrame) => SeriesLike;

const ARITH = ['add', 'sub', 'mul', 'div', 'floordiv', 'mod', 'pow'] as const;
const CMP = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
const NUM_LITS = [0, 1, -1, 2, 3, -7, 2147483647, -2147483648, 0.5, -2.5, -0, Number.NaN, Number.POSITIVE_INFINITY, null];

const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const lit = <T extends SeriesLike>(xs: readonly T[]): fc.Arbitrary<Operand> => pick(xs).map((v) => () => v);
const textLit = lit<string | null>([...TEXTS, null]);

function numOf(depth: number): fc.Arbitrary<Recipe> {
  const leaf = pick(['i', 'j', 'f']).map((n): Recipe => (d) => d.col(n));
  if (depth <= 0) return leaf;
  const sub = numOf(depth - 1);
  return fc.oneof(
    leaf,
    fc.tuple(pick(ARITH), sub, fc.oneof(sub, lit(NUM_LITS))).map(([op, a, b]): Recipe => (d) => a(d)[op](b(d))),
    fc.tuple(pick(['neg', 'abs'] as const), sub).map(([op, a]): Recipe => (d) => a(d)[op]()),
    fc.tuple(sub, pick([0, 5, 2.5])).map(([a, v]): Recipe => (d) => a(d).fillna(v)),
    strOf(depth - 1).map((a): Recipe => (d) => a(d).str.len()),
  );
}

function strOf(depth: number): fc.Arbitrary<Recipe> {
  const leaf = pick(['s', 't']).map((n): Recipe => (d) => d.col(n));
  if (depth <= 0) return leaf;
  const sub = strOf(depth - 1);
  return fc.oneof(
    leaf,
    fc.tuple(pick(['lower', 'upper'] as const), sub).map(([op, a]): Recipe => (d) => a(d).str[op]()),
    fc.tuple(sub, pick(TEXTS)).map(([a, v]): Recipe => (d) => a(d).fillna(v)),
  );
}

function boolOf(depth: number): fc.Arbitrary<Recipe> {
  const leaf = fc.constant<Recipe>((d) => d.col('b'));
  if (depth <= 0) return leaf;
  const sub = boolOf(depth - 1);
  const num = numOf(depth - 1);
  const str = strOf(depth - 1);
  return fc.oneof(
    leaf,
    fc.tuple(pick(CMP), num, fc.oneof(num, lit(NUM_LITS))).map(([op, a, b]): Recipe => (d) => a(d)[op](b(d))),
    fc.tuple(pick(CMP), str, fc.oneof(str, textLit)).map(([op, a, b]): Recipe => (d) => a(d)[op](b(d))),
    fc.tuple(pick(['and', 'or'] as const), sub, fc.oneof(sub, lit([true, false, null]))).map(([op, a, b]): Recipe => (d) => a(d)[op](b(d))),
    sub.map((a): Recipe => (d) => a(d).not()),
    fc.tuple(pick(['isNull', 'notNull'] as const), fc.oneof(num, str, sub)).map(([op, a]): Recipe => (d) => a(d)[op]()),
    fc.tuple(num, fc.array(pick(NUM_LITS), { maxLength: 4 })).map(([a, vs]): Recipe => (d) => a(d).isin(vs)),
    fc.tuple(str, fc.array(pick([...TEXTS, null]), { maxLength: 4 })).map(([a, vs]): Recipe => (d) => a(d).isin(vs)),
    fc.tuple(pick(['startsWith', 'endsWith', 'contains'] as const), str, pick(TEXTS)).map(([op, a, v]): Recipe => (d) => a(d).str[op](v)),
  );
}

export const numRecipe = (depth = 2): fc.Arbitrary<Recipe> => numOf(depth);
export const strRecipe = (depth = 2): fc.Arbitrary<Recipe> => strOf(depth);
export const boolRecipe = (depth = 3): fc.Arbitrary<Recipe> => boolOf(depth);
