/**
 * Tensor dtypes and NumPy's type-promotion rules, restricted to what typed arrays hold natively.
 * `int64` is held in a Float64Array: JS numbers are doubles, so its values are exact integers up to
 * 2^53 (beyond that they round instead of wrapping). This keeps NumPy's default integer type (arange,
 * argmax, sums of integers) without BigInt arithmetic in every kernel. The one other departure is that
 * arithmetic on booleans counts them as 0/1 in int64 instead of NumPy's logical-or quirk for `bool + bool`.
 */
import { DTypeError } from './errors.js';
import { show } from './show.js';

export const DTYPES = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'float32', 'float64'] as const;
export type DType = (typeof DTYPES)[number];

export type TypedArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array;

export type TypedArrayCtor = {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
};

const CTORS: Record<DType, TypedArrayCtor> = {
  bool: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: Float64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

interface Kind {
  readonly kind: 'b' | 'i' | 'u' | 'f';
  readonly bits: number;
}
const KINDS: Record<DType, Kind> = {
  bool: { kind: 'b', bits: 8 },
  int8: { kind: 'i', bits: 8 },
  int16: { kind: 'i', bits: 16 },
  int32: { kind: 'i', bits: 32 },
  int64: { kind: 'i', bits: 64 },
  uint8: { kind: 'u', bits: 8 },
  uint16: { kind: 'u', bits: 16 },
  uint32: { kind: 'u', bits: 32 },
  float32: { kind: 'f', bits: 32 },
  float64: { kind: 'f', bits: 64 },
};

export function isDType(v: unknown): v is DType {
  return typeof v === 'string' && (DTYPES as readonly string[]).includes(v);
}

export function checkDType(v: unknown, what = 'dtype'): DType {
  if (!isDType(v)) {
    throw new DTypeError(`Unknown ${what} ${show(v)}: use one of ${DTYPES.join(', ')}.`);
  }
  return v;
}

export function typedArrayCtor(dtype: DType): TypedArrayCtor {
  return CTORS[dtype];
}

export function itemSize(dtype: DType): number {
  return CTORS[dtype].BYTES_PER_ELEMENT;
}

export function isFloat(dtype: DType): boolean {
  return KINDS[dtype].kind === 'f';
}
export function isInteger(dtype: DType): boolean {
  const k = KINDS[dtype].kind;
  return k === 'i' || k === 'u';
}

/** The dtype NumPy's `result_type(a, b)` gives for two arrays (int64 replaced by float64). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const ka = KINDS[a];
  const kb = KINDS[b];
  if (ka.kind === 'b') return b;
  if (kb.kind === 'b') return a;
  if (ka.kind === 'f' || kb.kind === 'f') {
    const f = ka.kind === 'f' ? ka : kb;
    const o = ka.kind === 'f' ? kb : ka;
    if (f.bits === 64 || (o.kind === 'f' && o.bits === 64)) return 'float64';
    // float32 holds every int8/int16/uint8/uint16 exactly, not 32-bit ints.
    return o.kind === 'f' || o.bits <= 16 ? 'float32' : 'float64';
  }
  if (ka.kind === kb.kind) return (ka.bits >= kb.bits ? a : b);
  const s = ka.kind === 'i' ? ka : kb;
  const u = ka.kind === 'u' ? ka : kb;
  if (s.bits > u.bits) return ka.kind === 'i' ? a : b;
  if (u.bits === 8) return 'int16';
  if (u.bits === 16) return 'int32';
  return u.bits === 32 ? 'int64' : 'float64';
}

/** Result dtype of an array combined with a JS number scalar (NEP 50: the scalar is "weak"). */
export function promoteWithScalar(arr: DType, scalar: number | boolean): DType {
  if (typeof scalar === 'boolean') return arr;
  const k = KINDS[arr].kind;
  if (k === 'f') return arr;
  if (!Number.isInteger(scalar)) return 'float64';
  return k === 'b' ? 'int64' : arr;
}

/** The dtype a JS scalar takes when it must become an array by itself. */
export function scalarDType(v: number | boolean): DType {
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) ? 'int64' : 'float64';
}

/** Arithmetic never yields bool: booleans count as 0/1 in int64. */
export function arithmeticType(dtype: DType): DType {
  return dtype === 'bool' ? 'int64' : dtype;
}

/** True division and transcendental functions (NumPy, with float16 replaced by float32). */
export function floatType(dtype: DType): DType {
  const k = KINDS[dtype];
  if (k.kind === 'f') return dtype;
  return k.bits <= 16 ? 'float32' : 'float64';
}

/** The accumulator dtype NumPy uses for sum/prod: every integer and bool widens to int64. */
export function sumType(dtype: DType): DType {
  return KINDS[dtype].kind === 'f' ? dtype : 'int64';
}

