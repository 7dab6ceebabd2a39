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
 * `count` doubles from byte `ptr`. `rows(...)` is the same sum over rows that lie apart, as if copied end
 * to end (a full sum of a slice: `wasmRowsSum`), and `resume(ptr, count, hi, lo)` carries a running sum
 * on over a segment, as the loop's `resume` does (segmentedSum.ts, in a buffer of the thread's own:
 * `wasmSumSegment`).
 */
import { resumedTotal, SUM_BLOCK } from './reduceSteps.js';
import { BLOCK, br, brIf, END, F64, f64c, F64X2_ADD, f64x2Lane as lane, funcBody, get, I32, i32c, I32_ADD, I32_AND as AND, I32_SHL as SHL, IF, LOOP, MUL, set, tee, V128, V128_ZERO as ZERO, vec, vload as load } from './wasmAsm.js';
import { inPlaceKernels, inPlaceModule } from './wasmInPlace.js';

/** Where each variable lives: `sum`'s (hi, lo) are locals, `resume`'s parameters; the rest follow. */
interface Slots {
  readonly R: number;
  readonly J: number;
  readonly STOP: number;
  readonly P: number;
  readonly HI: number;
  readonly LO: number;
  readonly S: number;
  readonly T: number;
  readonly A01: number;
  readonly A23: number;
}
const [PTR, COUNT] = [0, 1];
const TOTAL: Slots = { R: 2, J: 3, STOP: 4, P: 5, HI: 6, LO: 7, S: 8, T: 9, A01: 10, A23: 11 };
const RESUMED: Slots = { HI: 2, LO: 3, R: 4, J: 5, STOP: 6, P: 7, S: 8, T: 9, A01: 10, A23: 11 };

const SUB = [0x6b];
const LT_S = [0x48];
const GT_S = [0x4a];
const SELECT = [0x1b];
const EQZ = [0x45];
const EQ = [0x46];
const SHR_U = [0x76];
const F64_ADD = [0xa0];
const F64_SUB = [0xa1];
const F64_ABS = [0x99];
const F64_EQ = [0x61];
const F64_GE = [0x66];
const F64_LOAD = [0x2b, 3, 0];

/** `hi`, `lo` ← the compensated addition of S (reduceSteps.ts `compensatedStep`). */
const compensated = ({ HI, LO, S, T }: Pick<Slots, 'HI' | 'LO' | 'S' | 'T'>): number[] => [
  ...get(HI), ...get(S), ...F64_ADD, ...set(T),
  ...get(LO),
  ...get(HI), ...get(T), ...F64_SUB, ...get(S), ...F64_ADD,
  ...get(S), ...get(T), ...F64_SUB, ...get(HI), ...F64_ADD,
  ...get(HI), ...F64_ABS, ...get(S), ...F64_ABS, ...F64_GE,
  ...SELECT, ...F64_ADD, ...set(LO),
  ...get(T), ...set(HI),
];

/** a01 += the two doubles at byte p, a23 += the two after them: four elements into the four accumulators. */
const accumulate = ({ P, A01, A23 }: Pick<Slots, 'P' | 'A01' | 'A23'>): number[] => [
  ...get(A01), ...get(P), ...load(0), ...F64X2_ADD, ...set(A01),
  ...get(A23), ...get(P), ...load(16), ...F64X2_ADD, ...set(A23),
];

/** S ← a block's (a0 + a1) + (a2 + a3). */
const blockSum = ({ S, A01, A23 }: Pick<Slots, 'S' | 'A01' | 'A23'>): number[] => [
  ...get(A01), ...lane(0), ...get(A01), ...lane(1), ...F64_ADD, ...get(A23), ...lane(0), ...get(A23), ...lane(1), ...F64_ADD, ...F64_ADD, ...set(S),
];

function body(slots: Slots, resume: boolean): number[] {
  const { R, J, STOP, P, HI, LO, S, T, A01, A23 } = slots;
  const b: number[] = [];
  // r = count & 3; j = count - 4 (signed: below zero for fewer than four elements).
  b.push(...get(COUNT), ...i32c(3), ...AND, ...set(R), ...get(COUNT), ...i32c(4), ...SUB, ...set(J));
  b.push(...BLOCK, ...LOOP, ...get(J), ...get(R), ...LT_S, ...brIf(1));
  // stop = j - (SUM_BLOCK - 4) > r ? j - (SUM_BLOCK - 4) : r
  b.push(...get(J), ...i32c(SUM_BLOCK - 4), ...SUB, ...get(R), ...get(J), ...i32c(SUM_BLOCK - 4), ...SUB, ...get(R), ...GT_S, ...SELECT, ...set(STOP));
  b.push(...BLOCK, ...LOOP, ...get(J), ...get(STOP), ...LT_S, ...brIf(1));
  b.push(...get(PTR), ...get(J), ...i32c(3), ...SHL, ...I32_ADD, ...set(P));
  b.push(...accumulate(slots));
  b.push(...get(J), ...i32c(4), ...SUB, ...set(J), ...br(0), ...END, ...END);
  // The block's (a0 + a1) + (a2 + a3) into the running sum; the accumulators start again at zero.
  b.push(...blockSum(slots), ...compensated(slots), ...ZERO, ...set(A01), ...ZERO, ...set(A23));
  b.push(...br(0), ...END, ...END);
  // The first r elements, last first, into a0 (zero), then into the running sum.
  b.push(...f64c(0), ...set(S), ...get(R), ...i32c(1), ...SUB, ...set(J));
  b.push(...BLOCK, ...LOOP, ...get(J), ...i32c(0), ...LT_S, ...brIf(1));
  b.push(...get(S), ...get(PTR), ...get(J), ...i32c(3), ...SHL, ...I32_ADD, ...F64_LOAD, ...F64_ADD, ...set(S));
  b.push(...get(J), ...i32c(1), ...SUB, ...set(J), ...br(0), ...END, ...END);
  b.push(...compensated(slots));
  if (resume) {
    b.push(...get(HI), ...get(LO));
    return funcBody([[4, I32], [2, F64], [2, V128]], b);
  }
  // hi - hi === 0 ? hi + lo : hi
  b.push(...get(HI), ...get(LO), ...F64_ADD, ...get(HI), ...get(HI), ...get(HI), ...F64_SUB, ...f64c(0), ...F64_EQ, ...SELECT);
  return funcBody([[4, I32], [4, F64], [2, V128]], b);
}

const sumsOver = inPlaceKernels<{ readonly sum: (ptr: number, count: number) => number }>(() =>
  inPlaceModule([0x60, ...vec([[I32], [I32]]), ...vec([[F64]])], [['sum', body(TOTAL, false)]]),
);

type Resume = (ptr: number, count: number, hi: number, lo: number) => [number, number];
const resumeModule = (): Uint8Array<ArrayBuffer> => inPlaceModule([0x60, ...vec([[I32], [I32], [F64], [F64]]), ...vec([[F64], [F64]])], [['resume', body(RESUMED, true)]]);

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

/**
 * The same sum over `rows` rows of `cols` elements (a multiple of four) read where they lie, row `r` from
 * byte `ptr + r * rowStride`: the blocked sum of the rows laid end to end, as if copied out first. Four
 * consecutive elements never straddle two rows then, so the accumulators take exactly the copy's
 * elements; only the block boundaries fall anywhere in a row.
 */
function rowsBody(): number[] {
  const [RPTR, RSTRIDE, COLS, ROWS, HI, LO] = [0, 1, 2, 3, 4, 5];
  const [ROW, P, K, G, S, T, A01, A23] = [6, 7, 8, 9, 10, 11, 12, 13];
  const slots = { HI, LO, S, T, P, A01, A23 };
  const b: number[] = [];
  b.push(...get(ROWS), ...i32c(1), ...SUB, ...set(ROW));
  b.push(...BLOCK, ...LOOP, ...get(ROW), ...i32c(0), ...LT_S, ...brIf(1));
  // p = ptr + row * rowStride + (cols - 4) * 8; k = cols / 4 groups of four, from the row's end.
  b.push(...get(RPTR), ...get(ROW), ...get(RSTRIDE), ...MUL, ...I32_ADD, ...get(COLS), ...i32c(4), ...SUB, ...i32c(3), ...SHL, ...I32_ADD, ...set(P));
  b.push(...get(COLS), ...i32c(2), ...SHR_U, ...set(K));
  b.push(...BLOCK, ...LOOP, ...get(K), ...EQZ, ...brIf(1));
  b.push(...accumulate(slots));
  b.push(...get(P), ...i32c(32), ...SUB, ...set(P), ...get(K), ...i32c(1), ...SUB, ...set(K));
  // A block's SUM_BLOCK / 4 groups in: its (a0 + a1) + (a2 + a3) into the running sum.
  b.push(...get(G), ...i32c(1), ...I32_ADD, ...tee(G), ...i32c(SUM_BLOCK / 4), ...EQ, ...IF);
  b.push(...blockSum(slots), ...compensated(slots), ...ZERO, ...set(A01), ...ZERO, ...set(A23), ...i32c(0), ...set(G), ...END);
  b.push(...br(0), ...END, ...END);
  b.push(...get(ROW), ...i32c(1), ...SUB, ...set(ROW), ...br(0), ...END, ...END);
  // The last, partial block; then the loop's sum of the count % 4 = 0 elements before the first group.
  b.push(...get(G), ...IF, ...blockSum(slots), ...compensated(slots), ...END);
  b.push(...f64c(0), ...set(S), ...compensated(slots), ...get(HI), ...get(LO));
  return funcBody([[4, I32], [2, F64], [2, V128]], b);
}

type Rows = (ptr: number, rowStride: number, cols: number, rows: number, hi: number, lo: number) => [number, number];
const rowsOver = inPlaceKernels<{ readonly rows: Rows }>(() =>
  inPlaceModule([0x60, ...vec([[I32], [I32], [I32], [I32], [F64], [F64]]), ...vec([[F64], [F64]])], [['rows', rowsBody()]]),
);

/**
 * A function giving the blocked sum's total of `rows` rows of `cols` elements of `data` (a multiple of
 * four), row `r` from element `offset + r * rowStride` — what the loop gives those rows copied out end to
 * end — or undefined when `data` does not lie in a WebAssembly memory this thread knows.
 */
export function wasmRowsSum(data: Float64Array): ((offset: number, rowStride: number, cols: number, rows: number) => number) | undefined {
  const kernels = rowsOver(data);
  if (!kernels) return undefined;
  const { rows: sumRows } = kernels;
  const base = data.byteOffset;
  return (offset, rowStride, cols, rows) => {
    if (!rowsSummedInPlace(cols)) throw new RangeError(`wasmRowsSum reads rows of a multiple of four elements, not ${cols}`);
    return resumedTotal(sumRows(base + 8 * offset, 8 * rowStride, cols, rows, 0, 0));
  };
}

/** Whether `wasmRowsSum` reads rows of `cols` elements: four never straddle two rows then. */
export const rowsSummedInPlace = (cols: number): boolean => cols % 4 === 0;

/** A buffer of this thread's in a WebAssembly memory, and the resumed sum over its first elements. */
export interface SumSegment {
  readonly values: Float64Array;
  /** Carries the running sum (state[0], state[1]) on over values[0 .. count), as the `resume` loop does. */
  sum(count: number, state: Float64Array): void;
}

const segments = new Map<number, SumSegment | null>();

/**
 * This thread's segment of `elements` doubles (made once per size), or undefined where WebAssembly SIMD
 * is unavailable. Its memory is its own: a chunk's memory holds the chunk and nothing more.
 */
export function wasmSumSegment(elements: number): SumSegment | undefined {
  let segment = segments.get(elements);
  if (segment === undefined) {
    segment = null;
    const bytes = resumeModule();
    if (WebAssembly.validate(bytes)) {
      const pages = Math.ceil((8 * elements) / 65536);
      const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      const { resume } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } }).exports as { resume: Resume };
      segment = {
        values: new Float64Array(memory.buffer, 0, elements),
        sum(count, state) {
          const [hi, lo] = resume(0, count, state[0]!, state[1]!);
          state[0] = hi;
          state[1] = lo;
        },
      };
    }
    segments.set(elements, segment);
  }
  return segment ?? undefined;
}
