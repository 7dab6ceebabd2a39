/**
 * The blocked, compensated sum of contiguous float64 rows (reduceSteps.ts `blockedSum`) in WebAssembly
 * SIMD, reading a chunk where it lies — a chunk `allocate` put in a WebAssembly memory of its own
 * (base/wasmMemory.ts). The JavaScript loop reads ~13 GB/s on one thread of an AMD EPYC VM, where NumPy
 * reads 17 and a WebAssembly loop 17-18 (bench/tensor/streamProbe.ts): row sums (`x.sum({ axis: 1 })`)
 * lost to NumPy there on the loop alone.
 *
 * It adds in exactly the JavaScript loop's order, so the two give the same bits and nothing depends on
 * where a chunk happens to live: from the end, blocks of SUM_BLOCK elements, each summed by four
 * interleaved accumulators — here the two lanes of two vectors, a0/a1 and a2/a3 — met as
 * (a0 + a1) + (a2 + a3) into a running sum with Neumaier's compensation, then the first count % 4
 * elements from the last down. f64 arithmetic is IEEE in both languages (no fused multiply-add), so
 * the same operations in the same order round the same.
 *
 * `sum(ptr, count)` is that sum's total (the loop's `hi + lo`, or `hi` once it is not finite) of the
 * `count` doubles from byte `ptr`.
 */
import { SUM_BLOCK } from './reduceSteps.js';
import { BLOCK, br, brIf, END, F64, f64c, F64X2_ADD, f64x2Lane as lane, funcBody, get, I32, i32c, I32_ADD, I32_AND as AND, I32_SHL as SHL, LOOP, set, V128, V128_ZERO as ZERO, vec, vload as load } from './wasmAsm.js';
import { inPlaceKernels, inPlaceModule } from './wasmInPlace.js';

const [PTR, COUNT] = [0, 1];
const [R, J, STOP, P] = [2, 3, 4, 5];
const [HI, LO, S, T] = [6, 7, 8, 9];
const [A01, A23] = [10, 11];

const SUB = [0x6b];
const LT_S = [0x48];
const GT_S = [0x4a];
const SELECT = [0x1b];
const F64_ADD = [0xa0];
const F64_SUB = [0xa1];
const F64_ABS = [0x99];
const F64_EQ = [0x61];
const F64_GE = [0x66];
const F64_LOAD = [0x2b, 3, 0];

/** `hi`, `lo` ← the compensated addition of S (reduceSteps.ts `compensatedStep`). */
const compensated = (): number[] => [
  ...get(HI), ...get(S), ...F64_ADD, ...set(T),
  ...get(LO),
  ...get(HI), ...get(T), ...F64_SUB, ...get(S), ...F64_ADD,
  ...get(S), ...get(T), ...F64_SUB, ...get(HI), ...F64_ADD,
  ...get(HI), ...F64_ABS, ...get(S), ...F64_ABS, ...F64_GE,
  ...SELECT, ...F64_ADD, ...set(LO),
  ...get(T), ...set(HI),
];

function body(): number[] {
  const b: number[] = [];
  // r = count & 3; j = count - 4 (signed: below zero for fewer than four elements).
  b.push(...get(COUNT), ...i32c(3), ...AND, ...set(R), ...get(COUNT), ...i32c(4), ...SUB, ...set(J));
  b.push(...BLOCK, ...LOOP, ...get(J), ...get(R), ...LT_S, ...brIf(1));
  // stop = j - (SUM_BLOCK - 4) > r ? j - (SUM_BLOCK - 4) : r
  b.push(...get(J), ...i32c(SUM_BLOCK - 4), ...SUB, ...get(R), ...get(J), ...i32c(SUM_BLOCK - 4), ...SUB, ...get(R), ...GT_S, ...SELECT, ...set(STOP));
  b.push(...BLOCK, ...LOOP, ...get(J), ...get(STOP), ...LT_S, ...brIf(1));
  b.push(...get(PTR), ...get(J), ...i32c(3), ...SHL, ...I32_ADD, ...set(P));
  b.push(...get(A01), ...get(P), ...load(0), ...F64X2_ADD, ...set(A01));
  b.push(...get(A23), ...get(P), ...load(16), ...F64X2_ADD, ...set(A23));
  b.push(...get(J), ...i32c(4), ...SUB, ...set(J), ...br(0), ...END, ...END);
  // The block's (a0 + a1) + (a2 + a3) into the running sum; the accumulators start again at zero.
  b.push(...get(A01), ...lane(0), ...get(A01), ...lane(1), ...F64_ADD, ...get(A23), ...lane(0), ...get(A23), ...lane(1), ...F64_ADD, ...F64_ADD, ...set(S));
  b.push(...compensated(), ...ZERO, ...set(A01), ...ZERO, ...set(A23));
  b.push(...br(0), ...END, ...END);
  // The first r elements, last first, into a0 (zero), then into the running sum.
  b.push(...f64c(0), ...set(S), ...get(R), ...i32c(1), ...SUB, ...set(J));
  b.push(...BLOCK, ...LOOP, ...get(J), ...i32c(0), ...LT_S, ...brIf(1));
  b.push(...get(S), ...get(PTR), ...get(J), ...i32c(3), ...SHL, ...I32_ADD, ...F64_LOAD, ...F64_ADD, ...set(S));
  b.push(...get(J), ...i32c(1), ...SUB, ...set(J), ...br(0), ...END, ...END);
  b.push(...compensated());
  // hi - hi === 0 ? hi + lo : hi
  b.push(...get(HI), ...get(LO), ...F64_ADD, ...get(HI), ...get(HI), ...get(HI), ...F64_SUB, ...f64c(0), ...F64_EQ, ...SELECT);
  return funcBody([[4, I32], [4, F64], [2, V128]], b);
}

const sumsOver = inPlaceKernels<{ readonly sum: (ptr: number, count: number) => number }>(() =>
  inPlaceModule([0x60, ...vec([[I32], [I32]]), ...vec([[F64]])], [['sum', body()]]),
);

/**
 * A function giving the blocked sum's total of `count` elements of `data` from element `offset` — the
 * value `blockedSum` gives them — or undefined when `data` does not lie in a WebAssembly memory this
 * thread knows.
 */
export function wasmRowSum(data: Float64Array): ((offset: number, count: number) => number) | undefined {
  const kernels = sumsOver(data);
  if (!kernels) return undefined;
  const { sum } = kernels;
  const base = data.byteOffset;
  return (offset, count) => sum(base + 8 * offset, count);
}
