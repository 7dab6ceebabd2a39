/**
 * Philox4x32-10 uniform doubles four counters at a time, in WebAssembly SIMD (wasmPhilox.ts has the
 * scalar rounds and the construction): each of the four 32-bit words is an i32x4 of four counters, and
 * each round's two 32×32→64 multiplies are two `i64x2.extmul_{low,high}_i32x4_u` whose high and low
 * halves a shuffle gathers back into i32x4s. The doubles are built as (w0 >>> 5) · 2^-27 + (w1 >>> 6) ·
 * 2^-53 from two exact int→double conversions — the same value as the scalar (w0>>>5 · 2^26 + w1>>>6) ·
 * 2^-53, since the sum is an integer below 2^53 times a power of two: output is bit-identical.
 *
 * `uniform(ptr, trips, cLo, cHi, x2, x3, k0, k1)` writes two doubles for each of the COUNTERS_PER_TRIP ·
 * trips counters from cLo on (which must not pass 2^32: the caller splits there), from `ptr` on; `words`
 * writes each counter's four words instead (its lanes transposed back to counter order).
 */
import { PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1 } from './wasmPhilox.js';
import { f64c, funcBody, get, HEADER, I32, i32c, I32_ADD, LT_U, name, section, set, simd, tee, V128, vec, vstore } from './wasmAsm.js';

const M0 = PHILOX_M0 | 0;
const M1 = PHILOX_M1 | 0;
const W0 = PHILOX_W0;
const W1 = PHILOX_W1;

const [PTR, N, CLO, CHI, X2, X3, K0, K1, I] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
/** Groups of four counters per trip, their rounds interleaved: one group's chain of dependent multiplies and shuffles leaves the SIMD units idle. */
const GROUPS = 2;
// v128 locals: shared ones, then the round keys, then each group's.
const CTR = 9;
const M0V = 10;
const M1V = 11;
const CHIV = 12;
const X2C = 13;
const X3C = 14;
const KEY0 = 15; // round keys k0 + r·W0, r = 0..9
const KEY1 = 25; // round keys k1 + r·W1
const GROUP_LOCALS = 10;
/** Group g's locals: words x0..x3, then temporaries. */
const local = (g: number, k: number): number => KEY1 + 10 + g * GROUP_LOCALS + k;
const [X0V, X1V, X2V, X3V, T, U, LO0, HI0, E, F] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
const V128_LOCALS = local(GROUPS, 0); // one past the last local

/** Counters a trip of the loop draws. */
export const COUNTERS_PER_TRIP = 4 * GROUPS;

const SPLAT_I32 = simd(0x11);
const I32X4_ADD = simd(0xae);
const I32X4_SHR_U = simd(0xad);
const XOR = simd(0x51);
const EXTMUL_LOW_U = simd(0xde);
const EXTMUL_HIGH_U = simd(0xdf);
const CONVERT_LOW_U = simd(0xff);
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);
const SPLAT_F64 = simd(0x14);
const shuffle = (lanes: readonly number[]): number[] => simd(0x0d, ...lanes);
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
/** The low (high) 32-bit halves of two i64x2 as one i32x4, lanes in order. */
const LOW_HALVES = shuffle([...range(0, 4), ...range(8, 4), ...range(16, 4), ...range(24, 4)]);
const HIGH_HALVES = shuffle([...range(4, 4), ...range(12, 4), ...range(20, 4), ...range(28, 4)]);
/** Lanes 2, 3 of an i32x4 moved to lanes 0, 1. */
const UPPER_PAIR = shuffle([...range(8, 8), ...range(8, 8)]);
/** [a0, b0] and [a1, b1] of two f64x2. */
const FIRSTS = shuffle([...range(0, 8), ...range(16, 8)]);
const SECONDS = shuffle([...range(8, 8), ...range(24, 8)]);

const splat = (i32: number[]): number[] => [...i32, ...SPLAT_I32];

/** hi/lo words of m · x for the four lanes of x: lo into `lo`, hi into `hi` (locals `t`, `u` for the products). */
function mulHiLo(x: number, m: number, lo: number, hi: number, t: number, u: number): number[] {
  return [
    ...get(x), ...get(m), ...EXTMUL_LOW_U, ...set(t),
    ...get(x), ...get(m), ...EXTMUL_HIGH_U, ...set(u),
    ...get(t), ...get(u), ...LOW_HALVES, ...set(lo),
    ...get(t), ...get(u), ...HIGH_HALVES, ...set(hi),
  ];
}

/** One Philox round on group g's (x0, x1, x2, x3), keys of round r. */
function roundCode(r: number, g: number): number[] {
  const v = (k: number): number => local(g, k);
  // P0 = M0·x0 → (lo0, hi0); P1 = M1·x2 → (lo1 in F, hi1 in E); then
  // x0 = hi1 ^ x1 ^ k0, x2 = hi0 ^ x3 ^ k1, x1 = lo1, x3 = lo0.
  return [
    ...mulHiLo(v(X0V), M0V, v(LO0), v(HI0), v(T), v(U)),
    ...mulHiLo(v(X2V), M1V, v(F), v(E), v(T), v(U)),
    ...get(v(E)), ...get(v(X1V)), ...XOR, ...get(KEY0 + r), ...XOR, ...set(v(X0V)),
    ...get(v(HI0)), ...get(v(X3V)), ...XOR, ...get(KEY1 + r), ...XOR, ...set(v(X2V)),
    ...get(v(F)), ...set(v(X1V)),
    ...get(v(LO0)), ...set(v(X3V)),
  ];
}

/** (hi >>> 5) · 2^-27 + (lo >>> 6) · 2^-53 for lanes 0, 1 of the shifted words sHi, sLo (upper: lanes 2, 3). */
function doubles(sHi: number, sLo: number, upper: boolean): number[] {
  const low = (s: number): number[] => (upper ? [...get(s), ...get(s), ...UPPER_PAIR] : get(s));
  return [
    ...low(sHi), ...CONVERT_LOW_U, ...f64c(2 ** -27), ...SPLAT_F64, ...F64X2_MUL,
    ...low(sLo), ...CONVERT_LOW_U, ...f64c(2 ** -53), ...SPLAT_F64, ...F64X2_MUL,
    ...F64X2_ADD,
  ];
}

/** Group g's two doubles per counter (2c from words 0, 1 and 2c + 1 from words 2, 3), 64 bytes at 64·g. */
function storeDoubles(g: number): number[] {
  const b: number[] = [];
  const v = (k: number): number => local(g, k);
  // The words shifted to 27 and 26 bits (in the temporaries: the rounds are done with them).
  const [s0, s1, s2, s3] = [v(T), v(U), v(LO0), v(HI0)];
  b.push(...get(v(X0V)), ...i32c(5), ...I32X4_SHR_U, ...set(s0), ...get(v(X1V)), ...i32c(6), ...I32X4_SHR_U, ...set(s1));
  b.push(...get(v(X2V)), ...i32c(5), ...I32X4_SHR_U, ...set(s2), ...get(v(X3V)), ...i32c(6), ...I32X4_SHR_U, ...set(s3));
  for (const upper of [false, true]) {
    b.push(...doubles(s0, s1, upper), ...set(v(E)), ...doubles(s2, s3, upper), ...set(v(F)));
    const at = 64 * g + (upper ? 32 : 0);
    b.push(...get(PTR), ...get(v(E)), ...get(v(F)), ...FIRSTS, ...vstore(at));
    b.push(...get(PTR), ...get(v(E)), ...get(v(F)), ...SECONDS, ...vstore(at + 16));
  }
  return b;
}

/** Interleaved 32-bit lanes 0, 1 (2, 3) of two i32x4: [a0, b0, a1, b1] ([a2, b2, a3, b3]). */
const ZIP_LOW = shuffle([...range(0, 4), ...range(16, 4), ...range(4, 4), ...range(20, 4)]);
const ZIP_HIGH = shuffle([...range(8, 4), ...range(24, 4), ...range(12, 4), ...range(28, 4)]);

/** Group g's four words per counter, counter after counter (a 4×4 transpose of the lanes), 64 bytes at 64·g. */
function storeWords(g: number): number[] {
  const v = (k: number): number => local(g, k);
  const [t0, t1, t2, t3] = [v(T), v(U), v(LO0), v(HI0)];
  return [
    ...get(v(X0V)), ...get(v(X1V)), ...ZIP_LOW, ...set(t0), // x0, x1 of counters 0, 1
    ...get(v(X0V)), ...get(v(X1V)), ...ZIP_HIGH, ...set(t1), // of counters 2, 3
    ...get(v(X2V)), ...get(v(X3V)), ...ZIP_LOW, ...set(t2),
    ...get(v(X2V)), ...get(v(X3V)), ...ZIP_HIGH, ...set(t3),
    ...get(PTR), ...get(t0), ...get(t2), ...FIRSTS, ...vstore(64 * g),
    ...get(PTR), ...get(t0), ...get(t2), ...SECONDS, ...vstore(64 * g + 16),
    ...get(PTR), ...get(t1), ...get(t3), ...FIRSTS, ...vstore(64 * g + 32),
    ...get(PTR), ...get(t1), ...get(t3), ...SECONDS, ...vstore(64 * g + 48),
  ];
}

/** A function running the rounds on GROUPS·4 counters a trip and storing each group's output with `store`. */
function body(store: (g: number) => number[]): number[] {
  const b: number[] = [];
  // Setup: the first group's counters, constant words, multipliers and the ten rounds' keys.
  b.push(...splat(get(CLO)), ...simd(0x0c, ...[0, 1, 2, 3].flatMap((v) => [v, 0, 0, 0])), ...I32X4_ADD, ...set(CTR));
  b.push(...splat(get(CHI)), ...set(CHIV), ...splat(get(X2)), ...set(X2C), ...splat(get(X3)), ...set(X3C));
  b.push(...splat(i32c(M0)), ...set(M0V), ...splat(i32c(M1)), ...set(M1V));
  for (let r = 0; r < 10; r++) {
    b.push(...splat([...get(K0), ...i32c(Math.imul(r, W0)), ...I32_ADD]), ...set(KEY0 + r));
    b.push(...splat([...get(K1), ...i32c(Math.imul(r, W1)), ...I32_ADD]), ...set(KEY1 + r));
  }
  b.push(0x02, 0x40, ...get(N), 0x45, 0x0d, 0x00, 0x03, 0x40);
  for (let g = 0; g < GROUPS; g++) {
    const v = (k: number): number => local(g, k);
    b.push(...get(CTR), ...(g > 0 ? [...splat(i32c(4 * g)), ...I32X4_ADD] : []), ...set(v(X0V)));
    b.push(...get(CHIV), ...set(v(X1V)), ...get(X2C), ...set(v(X2V)), ...get(X3C), ...set(v(X3V)));
  }
  for (let r = 0; r < 10; r++) for (let g = 0; g < GROUPS; g++) b.push(...roundCode(r, g));
  for (let g = 0; g < GROUPS; g++) b.push(...store(g));
  b.push(...get(PTR), ...i32c(64 * GROUPS), ...I32_ADD, ...set(PTR));
  b.push(...get(CTR), ...splat(i32c(4 * GROUPS)), ...I32X4_ADD, ...set(CTR));
  b.push(...get(I), ...i32c(1), ...I32_ADD, ...tee(I), ...get(N), ...LT_U, 0x0d, 0x00, 0x0b, 0x0b);
  return funcBody([[1, I32], [V128_LOCALS - 9, V128]], b);
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...vec(Array.from({ length: 8 }, () => [I32])), 0x00];
  return new Uint8Array([
    ...HEADER,
    ...section(1, vec([type])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0x00], [0x00]])),
    ...section(7, vec([[...name('uniform'), 0x00, 0x00], [...name('words'), 0x00, 0x01]])),
    ...section(10, vec([body(storeDoubles), body(storeWords)])),
  ]);
}

export type SimdFill = (ptr: number, trips: number, cLo: number, cHi: number, x2: number, x3: number, k0: number, k1: number) => void;

export interface PhiloxSimd {
  /** Two doubles per counter, as wasmPhilox.ts's `uniform`. */
  readonly uniform: SimdFill;
  /** Four words per counter, as wasmPhilox.ts's `words`. */
  readonly words: SimdFill;
}

const compiled = new WeakMap<WebAssembly.Memory, PhiloxSimd | null>();

/**
 * The SIMD fills over `memory` (the scalar module's, so both write the same scratch), or null where
 * WebAssembly SIMD is unavailable (then the scalar rounds run).
 */
export function philoxSimd(memory: WebAssembly.Memory): PhiloxSimd | null {
  const known = compiled.get(memory);
  if (known !== undefined) return known;
  const bytes = moduleBytes();
  let fills: PhiloxSimd | null = null;
  if (WebAssembly.validate(bytes)) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } });
    fills = instance.exports as unknown as PhiloxSimd;
  }
  compiled.set(memory, fills);
  return fills;
}
