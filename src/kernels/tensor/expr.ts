/**
 * JS source for elementwise expressions (the IR is in base/expr.ts). Every node's value is normalised
 * to its dtype exactly as storing it into that dtype's typed array would (int32 wraps, float32 rounds,
 * ...), so a fused expression computes bit-for-bit what the unfused chain of stored intermediates does.
 */
import type { DType } from '../../base/dtypes.js';
import type { BinaryOp, Expr, UnaryOp } from '../../base/expr.js';
import { nonNumericResult } from './userfn.js';

/** The declaration the loop around `exprCode` output needs: user-function results pass through `u`. */
export const USER_RESULT_VARIABLE = 'let u;';

/** Normalises a JS number expression to a dtype exactly as its typed array would on store. */
export function normalize(dtype: DType, code: string): string {
  switch (dtype) {
    case 'float64':
    case 'int64':
      return code;
    case 'float32':
      return `Math.fround(${code})`;
    case 'int32':
      return `((${code}) | 0)`;
    case 'uint32':
      return `((${code}) >>> 0)`;
    case 'int16':
      return `(((${code}) << 16) >> 16)`;
    case 'int8':
      return `(((${code}) << 24) >> 24)`;
    case 'uint16':
      return `((${code}) & 65535)`;
    case 'uint8':
      return `((${code}) & 255)`;
    case 'bool':
      return `((${code}) !== 0 ? 1 : 0)`;
  }
}

function literal(v: number): string {
  if (Object.is(v, -0)) return '(-0)';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '(-Infinity)';
  return v < 0 ? `(${v})` : String(v);
}

const isInt = (d: DType): boolean => d !== 'float32' && d !== 'float64';

const UNARY: Record<UnaryOp, (a: string) => string> = {
  neg: (a) => `(-${a})`,
  abs: (a) => `Math.abs(${a})`,
  sqrt: (a) => `Math.sqrt(${a})`,
  exp: (a) => `Math.exp(${a})`,
  log: (a) => `Math.log(${a})`,
  log2: (a) => `Math.log2(${a})`,
  log10: (a) => `Math.log10(${a})`,
  log1p: (a) => `Math.log1p(${a})`,
  expm1: (a) => `Math.expm1(${a})`,
  sin: (a) => `Math.sin(${a})`,
  cos: (a) => `Math.cos(${a})`,
  tan: (a) => `Math.tan(${a})`,
  arcsin: (a) => `Math.asin(${a})`,
  arccos: (a) => `Math.acos(${a})`,
  arctan: (a) => `Math.atan(${a})`,
  sinh: (a) => `Math.sinh(${a})`,
  cosh: (a) => `Math.cosh(${a})`,
  tanh: (a) => `Math.tanh(${a})`,
  floor: (a) => `Math.floor(${a})`,
  ceil: (a) => `Math.ceil(${a})`,
  round: (a) => `H.rint(${a})`,
  trunc: (a) => `Math.trunc(${a})`,
  sign: (a) => `Math.sign(${a})`,
  square: (a) => `H.sq(${a})`,
  reciprocal: (a) => `(1 / ${a})`,
  isnan: (a) => `(Number.isNaN(${a}) ? 1 : 0)`,
  isinf: (a) => `(Math.abs(${a}) === Infinity ? 1 : 0)`,
  isfinite: (a) => `(Number.isFinite(${a}) ? 1 : 0)`,
  not: (a) => `(${a} === 0 ? 1 : 0)`,
};

/**
 * Integer dtypes of 32 bits or fewer wrap modulo 2^32 before narrowing; their products must be exact
 * in the low 32 bits, which a double product loses past 2^53 (int32 2147483647² is 1, not 0).
 */
const isInt32OrNarrower = (d: DType): boolean => isInt(d) && d !== 'int64';

function binary(op: BinaryOp, a: string, b: string, intResult: boolean, int32: boolean): string {
  switch (op) {
    case 'add':
      return `(${a} + ${b})`;
    case 'sub':
      return `(${a} - ${b})`;
    case 'mul':
      return int32 ? `Math.imul(${a}, ${b})` : `(${a} * ${b})`;
    case 'div':
      return `(${a} / ${b})`;
    case 'floordiv':
      return intResult ? `H.fdivi(${a}, ${b})` : `H.fdivf(${a}, ${b})`;
    case 'mod':
      return intResult ? `H.modi(${a}, ${b})` : `H.modf(${a}, ${b})`;
    case 'pow':
      return intResult ? (int32 ? `H.powi32(${a}, ${b})` : `H.powi(${a}, ${b})`) : `Math.pow(${a}, ${b})`;
    case 'maximum':
      return `Math.max(${a}, ${b})`;
    case 'minimum':
      return `Math.min(${a}, ${b})`;
    case 'eq':
      return `(${a} === ${b} ? 1 : 0)`;
    case 'ne':
      return `(${a} !== ${b} ? 1 : 0)`;
    case 'lt':
      return `(${a} < ${b} ? 1 : 0)`;
    case 'le':
      return `(${a} <= ${b} ? 1 : 0)`;
    case 'gt':
      return `(${a} > ${b} ? 1 : 0)`;
    case 'ge':
      return `(${a} >= ${b} ? 1 : 0)`;
    case 'and':
      return `((${a} !== 0 && ${b} !== 0) ? 1 : 0)`;
    case 'or':
      return `((${a} !== 0 || ${b} !== 0) ? 1 : 0)`;
    case 'xor':
      return `(((${a} !== 0) !== (${b} !== 0)) ? 1 : 0)`;
    case 'arctan2':
      return `Math.atan2(${a}, ${b})`;
    case 'hypot':
      return `H.hypot(${a}, ${b})`;
  }
}

/** Results that are already exact values of their dtype need no normalisation. */
function needsNormalize(e: Expr): boolean {
  if (e.t === 'bin' && ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'xor'].includes(e.op)) return false;
  if (e.t === 'un' && ['isnan', 'isinf', 'isfinite', 'not'].includes(e.op)) return false;
  if (e.dtype === 'int64') {
    // Integer arithmetic on exact integers stays exact; only these can leave the integers.
    return (e.t === 'un' && e.op === 'reciprocal') || e.t === 'cast' || e.t === 'fn';
  }
  return true;
}

export type ConstExpr = Extract<Expr, { readonly t: 'const' }>;

/**
 * JS source of `e`, reading input i through `input(i)` and calling user function k as `Fk`, a local the
 * enclosing loop declares from `F[k]`; code with user functions also assigns a variable `u` that the
 * loop declares (see `USER_RESULT_VARIABLE`). Constants are literals, or the names `constant` gives
 * them (variables the caller binds).
 */

export function exprCode(e: Expr, input: (i: number) => string, constant?: (c: ConstExpr) => string): string {
  const raw = ((): string => {
    switch (e.t) {
      case 'in':
        return input(e.i);
      case 'const':
        return constant ? constant(e) : literal(e.v);
      case 'un':
        if (e.op === 'square' && isInt32OrNarrower(e.dtype)) return `H.sq32(${exprCode(e.a, input, constant)})`;
        return UNARY[e.op](exprCode(e.a, input, constant));
      case 'bin': {
        const intResult = isInt(e.dtype) && isInt(e.a.dtype) && isInt(e.b.dtype);
        return binary(e.op, exprCode(e.a, input, constant), exprCode(e.b, input, constant), intResult, intResult && isInt32OrNarrower(e.dtype));
      }
      case 'where':
        return `(${exprCode(e.c, input, constant)} !== 0 ? ${exprCode(e.a, input, constant)} : ${exprCode(e.b, input, constant)})`;
      case 'cast':
        return e.dtype === 'int64' ? `Math.trunc(${exprCode(e.a, input, constant)})` : exprCode(e.a, input, constant);
      case 'fn':
        // `u` (declared by the loop) holds the result for one check; a number passes straight through.
        return `(u = F${e.f}(${exprCode(e.a, input, constant)}), typeof u === 'number' ? u : H.userResult(F, ${e.f}, u))`;
    }
  })();
  if (e.t === 'in' || e.t === 'const' || !needsNormalize(e)) return raw;
  return e.dtype === 'int64' && e.t !== 'cast' ? `Math.trunc(${raw})` : normalize(e.dtype, raw);
}

/** Helpers the generated code calls as `H.*`; small enough for V8 to inline. */
export const HELPERS = Object.freeze({
  rint(x: number): number {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  sq(x: number): number {
    return x * x;
  },
  sq32(x: number): number {
    return Math.imul(x, x);
  },
  fdivi(a: number, b: number): number {
    return b === 0 ? 0 : Math.floor(a / b);
  },
  /**
   * NumPy's float floor_divide (npy_divmod, Python's `//`): the floor of the exact quotient, which
   * `Math.floor(a / b)` misses when the division rounds up to an integer (1 // 0.1 is 9, not 10)
   * or a finite a meets an infinite b (1 // -inf is -1).
   */
  fdivf(a: number, b: number): number {
    if (b === 0) return a / b;
    const mod = a % b;
    let div = (a - mod) / b;
    if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
    if (div === 0) return a / b < 0 || Object.is(a / b, -0) ? -0 : 0;
    const f = Math.floor(div);
    return div - f > 0.5 ? f + 1 : f;
  },
  modi(a: number, b: number): number {
    return b === 0 ? 0 : a - Math.floor(a / b) * b;
  },
  /** NumPy's float mod: the sign of the divisor, a zero result included (-3 mod 3 is 0, 3 mod -3 is -0). */
  modf(a: number, b: number): number {
    const r = a % b;
    if (r === 0) return b < 0 ? -0 : 0;
    return r < 0 !== b < 0 ? r + b : r;
  },
  powi(a: number, b: number): number {
    if (b < 0) {
      throw new RangeError('Integers to negative integer powers are not allowed: cast the base to float first.');
    }
    return Math.pow(a, b);
  },
  /** Integer power wrapping modulo 2^32 at every step (exponentiation by squaring with Math.imul). */
  powi32(a: number, b: number): number {
    if (b < 0) {
      throw new RangeError('Integers to negative integer powers are not allowed: cast the base to float first.');
    }
    let result = 1;
    let base = a;
    for (let e = b; e > 0; e = Math.floor(e / 2)) {
      if (e % 2 === 1) result = Math.imul(result, base);
      base = Math.imul(base, base);
    }
    return result;
  },
  /** A user function's result that is not a number (see `nonNumericResult`). */
  userResult(F: readonly ((x: number) => unknown)[], slot: number, value: unknown): number {
    return nonNumericResult('map', String(F[slot]), value);
  },
  /** Math.hypot scales, so large operands do not overflow (hypot(1e200, 1e200) is 1.41e200). */
  hypot(a: number, b: number): number {
    return Math.hypot(a, b);
  },
});
