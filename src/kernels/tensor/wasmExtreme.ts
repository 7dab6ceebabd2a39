/**
 * The max (or min) of a float64 chunk, or of a view of one whose rows are contiguous (a basic slice),
 * in WebAssembly SIMD reading the chunk where it lies — a chunk `allocate` put in a WebAssembly memory
 * of its own (base/wasmMemory.ts). The JavaScript loops (codegen.ts) compare one double at a time and
 * read a strided slice at ~14 GB/s on one thread of this project's VMs; two doubles a compare reads it at
 * ~19, and that is what the slice's max is measured against NumPy by (issue 13).
 *
 * `max(ptr, rows, cols, stride)` is the largest of `rows` rows of `cols` doubles, row r starting at byte
 * ptr + r·stride. Four rows are read side by side, as the JavaScript loop does (each row of a slice
 * skipping rows is a stream of its own for the prefetcher), then the rest one at a time, four vectors a
 * turn. `f64x2.pmax` is one instruction but drops NaN, so NaN is noted apart (v ≠ v); a NaN seen, like
 * an extreme of zero (whose sign depends on which zero came first), comes back as NaN and the caller
 * runs the exact loop instead — the answer is always the JavaScript loop's.
 */
import { BLOCK, br, brIf, END, F64, f64c, f64x2Lane as lane, funcBody, get, I32, i32c, I32_ADD, I32_AND as AND, I32_SHL as SHL, IF, LOOP, MUL, set, simd, splat64, tee, V128, V128_ZERO as zeroVector, vec, vload as load } from './wasmAsm.js';
import { inPlaceKernels, inPlaceModule } from './wasmInPlace.js';

const [PTR, ROWS, COLS, STRIDE] = [0, 1, 2, 3];
const [R, P0, P1, P2, P3, J, VB, END4] = [4, 5, 6, 7, 8, 9, 10, 11];
/** v128 locals: eight running extremes, the NaN mask, the value just loaded. */
const ACC = 12;
const NAN = 20;
const V = 21;

const GT_U = [0x4b];
const GE_U = [0x4f];
const F64X2_SPLAT = simd(0x14);
const F64X2_NE = simd(0x48);
const OR = simd(0x50);
const ANY_TRUE = simd(0x53);

/** The body of `max` (pmax, from -Infinity) or `min` (pmin, from +Infinity). */
function body(kind: 'max' | 'min'): number[] {
  const pick = simd(kind === 'max' ? 0xf7 : 0xf6);
  const scalarPick = [kind === 'max' ? 0xa5 : 0xa4];
  // acc = pick(acc, v); nan |= (v != v), with v on the stack.
  const meet = (acc: number): number[] => [...set(V), ...get(acc), ...get(V), ...pick, ...set(acc), ...get(NAN), ...get(V), ...get(V), ...F64X2_NE, ...OR, ...set(NAN)];
  const oddColumn = (p: number, acc: number): number[] => [...get(p), ...get(VB), ...I32_ADD, ...splat64(0), ...meet(acc)];
  const b: number[] = [];
  for (let k = 0; k < 8; k++) b.push(...f64c(kind === 'max' ? -Infinity : Infinity), ...F64X2_SPLAT, ...set(ACC + k));
  b.push(...zeroVector, ...set(NAN));
  // VB: bytes of the row's even part; END4: of its part in whole 64-byte turns.
  b.push(...get(COLS), ...i32c(-2), ...AND, ...i32c(3), ...SHL, ...tee(VB), ...i32c(-64), ...AND, ...set(END4));
  b.push(...i32c(0), ...set(R));
  // Four rows side by side.
  b.push(...BLOCK, ...LOOP);
  b.push(...get(R), ...i32c(4), ...I32_ADD, ...get(ROWS), ...GT_U, ...brIf(1));
  b.push(...get(PTR), ...get(R), ...get(STRIDE), ...MUL, ...I32_ADD, ...tee(P0), ...get(STRIDE), ...I32_ADD, ...tee(P1));
  b.push(...get(STRIDE), ...I32_ADD, ...tee(P2), ...get(STRIDE), ...I32_ADD, ...set(P3), ...i32c(0), ...set(J));
  b.push(...BLOCK, ...LOOP, ...get(J), ...get(VB), ...GE_U, ...brIf(1));
  for (let k = 0; k < 4; k++) b.push(...get(P0 + k), ...get(J), ...I32_ADD, ...load(0), ...meet(ACC + k));
  b.push(...get(J), ...i32c(16), ...I32_ADD, ...set(J), ...br(0), ...END, ...END);
  b.push(...get(COLS), ...i32c(1), ...AND, ...IF);
  for (let k = 0; k < 4; k++) b.push(...oddColumn(P0 + k, ACC + k));
  b.push(...END);
  b.push(...get(R), ...i32c(4), ...I32_ADD, ...set(R), ...br(0), ...END, ...END);
  // The other rows one at a time: four vectors a turn, then one.
  b.push(...BLOCK, ...LOOP, ...get(R), ...get(ROWS), ...GE_U, ...brIf(1));
  b.push(...get(PTR), ...get(R), ...get(STRIDE), ...MUL, ...I32_ADD, ...set(P0), ...i32c(0), ...set(J));
  b.push(...BLOCK, ...LOOP, ...get(J), ...get(END4), ...GE_U, ...brIf(1));
  for (let k = 0; k < 4; k++) b.push(...get(P0), ...get(J), ...I32_ADD, ...load(16 * k), ...meet(ACC + 4 + k));
  b.push(...get(J), ...i32c(64), ...I32_ADD, ...set(J), ...br(0), ...END, ...END);
  b.push(...BLOCK, ...LOOP, ...get(J), ...get(VB), ...GE_U, ...brIf(1));
  b.push(...get(P0), ...get(J), ...I32_ADD, ...load(0), ...meet(ACC + 4));
  b.push(...get(J), ...i32c(16), ...I32_ADD, ...set(J), ...br(0), ...END, ...END);
  b.push(...get(COLS), ...i32c(1), ...AND, ...IF, ...oddColumn(P0, ACC + 5), ...END);
  b.push(...get(R), ...i32c(1), ...I32_ADD, ...set(R), ...br(0), ...END, ...END);
  // NaN seen: say so. Else the extremes met, lane by lane.
  b.push(...get(NAN), ...ANY_TRUE, ...IF, ...f64c(NaN), 0x0f, ...END);
  for (let k = 1; k < 8; k++) b.push(...get(ACC), ...get(ACC + k), ...pick, ...set(ACC));
  b.push(...get(ACC), ...lane(0), ...get(ACC), ...lane(1), ...scalarPick);
  return funcBody([[8, I32], [10, V128]], b);
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[F64]])];
  return inPlaceModule(type, [['max', body('max')], ['min', body('min')]]);
}

type Extreme = (ptr: number, rows: number, cols: number, stride: number) => number;
interface Extremes {
  readonly max: Extreme;
  readonly min: Extreme;
}

const extremesOver = inPlaceKernels<Extremes>(moduleBytes);

/**
 * The max (min) of `rows` rows of `cols` elements of `data` from element `offset`, row r at offset +
 * r·rowStride — NaN when a NaN was seen or the extreme is zero (the caller then runs the exact loop) —
 * or undefined when `data` is not in a WebAssembly memory this thread knows.
 */
export function wasmExtreme(kind: 'max' | 'min', data: Float64Array, offset: number, rows: number, cols: number, rowStride: number): number | undefined {
  if (rows <= 0 || cols <= 0) return undefined;
  const extremes = extremesOver(data);
  if (!extremes) return undefined;
  const found = extremes[kind](data.byteOffset + 8 * offset, rows, cols, 8 * rowStride);
  return found === 0 ? NaN : found;
}
