/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the
 * counter-based generator of Random123, NumPy's `Philox` and cuRAND, as WebAssembly assembled at load
 * time: a 128-bit counter and a 64-bit key give four 32-bit words, with no state between calls, so any
 * chunk can start at any element. Wasm has the 32×32→64 multiply the rounds need (JS does not), which
 * makes it several times faster than the same rounds in JS.
 *
 * Both exports run `n` consecutive counters (c, x2, x3) with the 64-bit c starting at (cLo, cHi):
 * `words` stores the four words of each; `uniform` stores two doubles in [0, 1) per counter, each from
 * 53 bits of a word pair (w0>>>5 · 2^26 + w1>>>6) / 2^53 — the construction NumPy uses for doubles.
 */
import {
  F64_CONVERT_I64_U, F64_MUL, f64c, f64store, funcBody, get, HEADER, I32, I32_ADD, I32_SHR_U, I32_WRAP_I64, I32_XOR, i32c,
  i32store, I64, I64_ADD, I64_EXTEND_I32_U, I64_MUL, I64_OR, I64_SHL, I64_SHR_U, i64c, LT_U, name, section, set, tee, vec,
} from './wasmAsm.js';

/** Philox4x32's round multipliers and key increments (Weyl constants), shared with wasmPhiloxSimd.ts. */
export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9 | 0;
export const PHILOX_W1 = 0xbb67ae85 | 0;
const M0 = BigInt(PHILOX_M0);
const M1 = BigInt(PHILOX_M1);
const W0 = PHILOX_W0;
const W1 = PHILOX_W1;

// Parameters of both functions, then locals.
const [PTR, N, CLO, CHI, X2, X3, K0, K1] = [0, 1, 2, 3, 4, 5, 6, 7];
const [C, P0, P1] = [8, 9, 10]; // i64 locals
const [I, x0, x1, x2, x3, k0, k1] = [11, 12, 13, 14, 15, 16, 17]; // i32 locals

function rounds(): number[] {
  const b: number[] = [];
  b.push(...get(C), ...I32_WRAP_I64, ...set(x0));
  b.push(...get(C), ...i64c(32n), ...I64_SHR_U, ...I32_WRAP_I64, ...set(x1));
  b.push(...get(X2), ...set(x2), ...get(X3), ...set(x3), ...get(K0), ...set(k0), ...get(K1), ...set(k1));
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      b.push(...get(k0), ...i32c(W0), ...I32_ADD, ...set(k0));
      b.push(...get(k1), ...i32c(W1), ...I32_ADD, ...set(k1));
    }
    b.push(...get(x0), ...I64_EXTEND_I32_U, ...i64c(M0), ...I64_MUL, ...set(P0));
    b.push(...get(x2), ...I64_EXTEND_I32_U, ...i64c(M1), ...I64_MUL, ...set(P1));
    b.push(...get(P1), ...i64c(32n), ...I64_SHR_U, ...I32_WRAP_I64, ...get(x1), ...I32_XOR, ...get(k0), ...I32_XOR, ...set(x0));
    b.push(...get(P0), ...i64c(32n), ...I64_SHR_U, ...I32_WRAP_I64, ...get(x3), ...I32_XOR, ...get(k1), ...I32_XOR, ...set(x2));
    b.push(...get(P1), ...I32_WRAP_I64, ...set(x1));
    b.push(...get(P0), ...I32_WRAP_I64, ...set(x3));
  }
  return b;
}

/** 53 bits from (hi, lo) as a double in [0, 1). */
function double(hi: number, lo: number): number[] {
  return [
    ...get(hi), ...i32c(5), ...I32_SHR_U, ...I64_EXTEND_I32_U, ...i64c(26n), ...I64_SHL,
    ...get(lo), ...i32c(6), ...I32_SHR_U, ...I64_EXTEND_I32_U, ...I64_OR,
    ...F64_CONVERT_I64_U, ...f64c(2 ** -53), ...F64_MUL,
  ];
}

function loop(store: number[], stride: number): number[] {
  const b: number[] = [];
  b.push(...get(CHI), ...I64_EXTEND_I32_U, ...i64c(32n), ...I64_SHL, ...get(CLO), ...I64_EXTEND_I32_U, ...I64_OR, ...set(C));
  b.push(0x02, 0x40, ...get(N), 0x45, 0x0d, 0x00, 0x03, 0x40);
  b.push(...rounds(), ...store);
  b.push(...get(PTR), ...i32c(stride), ...I32_ADD, ...set(PTR));
  b.push(...get(C), ...i64c(1n), ...I64_ADD, ...set(C));
  b.push(...get(I), ...i32c(1), ...I32_ADD, ...tee(I), ...get(N), ...LT_U, 0x0d, 0x00, 0x0b, 0x0b);
  return funcBody([[3, I64], [7, I32]], b);
}

/**
 * The module's memory, in 64 KiB pages, made as big as its callers need (counterRandom.ts: a block of
 * output and the slow draws' words) so that it never grows: growing a memory detaches its old buffer, and
 * the first detach on a thread makes V8 throw away every optimized function there that reads a typed
 * array and check for detached buffers in every one optimized after (base/helperThread.ts
 * says what that costs). One byte of LEB128: at most 127.
 */
export const PHILOX_MEMORY_PAGES = 3;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const words = loop([x0, x1, x2, x3].flatMap((x, i) => [...get(PTR), ...get(x), ...i32store(4 * i)]), 16);
  const uniform = loop([...get(PTR), ...double(x0, x1), ...f64store(0), ...get(PTR), ...double(x2, x3), ...f64store(8)], 16);
  const type = [0x60, ...vec(Array.from({ length: 8 }, () => [I32])), 0x00];
  return new Uint8Array([
    ...HEADER,
    ...section(1, vec([type])),
    ...section(3, vec([[0x00], [0x00]])),
    ...section(5, vec([[0x00, PHILOX_MEMORY_PAGES]])),
    ...section(7, vec([[...name('words'), 0x00, 0x00], [...name('uniform'), 0x00, 0x01], [...name('mem'), 0x02, 0x00]])),
    ...section(10, vec([words, uniform])),
  ]);
}

type Fill = (ptr: number, n: number, cLo: number, cHi: number, x2: number, x3: number, k0: number, k1: number) => void;

export interface Philox {
  readonly words: Fill;
  readonly uniform: Fill;
  readonly memory: WebAssembly.Memory;
}

let cached: Philox | undefined;

export function philox(): Philox {
  if (cached) return cached;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()), {});
  const ex = instance.exports as unknown as { words: Fill; uniform: Fill; mem: WebAssembly.Memory };
  cached = { words: ex.words, uniform: ex.uniform, memory: ex.mem };
  return cached;
}
