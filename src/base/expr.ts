/**
 * The elementwise expression language, as plain data. Every elementwise op (arithmetic, comparison,
 * math functions, where/clip, casts, user functions) is an `Expr` over positional inputs; fusing a chain
 * of them is substituting one expression into another, and a fused chain compiles (kernels/tensor) to
 * one loop with no temporaries. Every node carries its result dtype.
 */
import type { DType } from './dtypes.js';

export const UNARY_OPS = [
  'neg', 'abs', 'sqrt', 'exp', 'log', 'log2', 'log10', 'log1p', 'expm1', 'sin', 'cos', 'tan', 'arcsin',
  'arccos', 'arctan', 'sinh', 'cosh', 'tanh', 'floor', 'ceil', 'round', 'trunc', 'sign', 'square',
  'reciprocal', 'isnan', 'isinf', 'isfinite', 'not',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = [
  'add', 'sub', 'mul', 'div', 'floordiv', 'mod', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt',
  'ge', 'and', 'or', 'xor', 'arctan2', 'hypot',
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export type Expr =
  | { readonly t: 'in'; readonly i: number; readonly dtype: DType }
  | { readonly t: 'const'; readonly v: number; readonly dtype: DType }
  | { readonly t: 'un'; readonly op: UnaryOp; readonly a: Expr; readonly dtype: DType }
  | { readonly t: 'bin'; readonly op: BinaryOp; readonly a: Expr; readonly b: Expr; readonly dtype: DType }
  | { readonly t: 'where'; readonly c: Expr; readonly a: Expr; readonly b: Expr; readonly dtype: DType }
  | { readonly t: 'cast'; readonly a: Expr; readonly dtype: DType }
  /** A user function, by its slot in the kernel's list of function sources. */
  | { readonly t: 'fn'; readonly f: number; readonly a: Expr; readonly dtype: DType };

export function mapInputs(e: Expr, f: (input: Extract<Expr, { t: 'in' }>) => Expr): Expr {
  switch (e.t) {
    case 'in':
      return f(e);
    case 'const':
      return e;
    case 'un':
      return { ...e, a: mapInputs(e.a, f) };
    case 'bin':
      return { ...e, a: mapInputs(e.a, f), b: mapInputs(e.b, f) };
    case 'where':
      return { ...e, c: mapInputs(e.c, f), a: mapInputs(e.a, f), b: mapInputs(e.b, f) };
    case 'cast':
      return { ...e, a: mapInputs(e.a, f) };
    case 'fn':
      return { ...e, a: mapInputs(e.a, f) };
  }
}

export function renumberFns(e: Expr, base: number): Expr {
  switch (e.t) {
    case 'in':
    case 'const':
      return e;
    case 'un':
    case 'cast':
      return { ...e, a: renumberFns(e.a, base) };
    case 'fn':
      return { ...e, f: e.f + base, a: renumberFns(e.a, base) };
    case 'bin':
      return { ...e, a: renumberFns(e.a, base), b: renumberFns(e.b, base) };
    case 'where':
      return { ...e, c: renumberFns(e.c, base), a: renumberFns(e.a, base), b: renumberFns(e.b, base) };
  }
}

/** Number of nodes in an expression tree. */
export function exprSize(e: Expr): number {
  switch (e.t) {
    case 'in':
    case 'const':
      return 1;
    case 'un':
    case 'cast':
    case 'fn':
      return 1 + exprSize(e.a);
    case 'bin':
      return 1 + exprSize(e.a) + exprSize(e.b);
    case 'where':
      return 1 + exprSize(e.c) + exprSize(e.a) + exprSize(e.b);
  }
}

/** The user-function slots an expression calls, each once, in first-use order. */
export function userFunctionSlots(e: Expr, out: number[] = []): number[] {
  switch (e.t) {
    case 'in':
    case 'const':
      return out;
    case 'fn':
      if (!out.includes(e.f)) out.push(e.f);
      return userFunctionSlots(e.a, out);
    case 'un':
    case 'cast':
      return userFunctionSlots(e.a, out);
    case 'bin':
      return userFunctionSlots(e.b, userFunctionSlots(e.a, out));
    case 'where':
      return userFunctionSlots(e.b, userFunctionSlots(e.a, userFunctionSlots(e.c, out)));
  }
}
