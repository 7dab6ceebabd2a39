/**
 * The matmul inner kernel as WebAssembly SIMD, assembled from bytes at load time (there is no wasm
 * toolchain at build time, and the module is small). `gebp(ap, bp, cp, mBlocks, nBlocks, kc, cStrideJ)`
 * multiplies a packed block of A (mBlocks panels of MR rows × kc, each panel column-interleaved) by a
 * packed panel of B (nBlocks panels of kc × NR) and adds the product into C, which is kept in tiles:
 * the MR×NR tile (ir, jr) is 16 contiguous float64 (row-major inside the tile) at cp + jr·cStrideJ +
 * ir·TILE_BYTES, so the tiles one B panel visits follow each other in memory (the prefetcher streams
 * them; row-major C made every tile four cache misses a row stride apart).
 * Each MR×NR tile of C is held in f64x2 registers over the whole kc loop, so C is read and written
 * once per kc block, A once per NR columns and B once per MR rows (the GotoBLAS register tile).
 * Without fused multiply-add in baseline wasm SIMD, each step is a multiply then an add, in the same
 * order as the scalar loop, so per-element results are those of a sequential sum over k.
 */

/**
 * Rows and columns of the register tile. 4×4 is the largest V8's register allocator keeps in the 15
 * xmm registers it hands out (8 accumulators, 2 B vectors, the A splats and a product): 5×4, 6×4, 3×6
 * and 4×5 all spilled accumulators and ran at half the speed.
 */
export const MR = 4;
export const NR = 4;
export const TILE_BYTES = MR * NR * 8;
/**
 * k steps per trip of the inner loop (the loop's counter, pointer bumps and interrupt check are paid
 * once per UNROLL steps). V8's scheduler hoists every load of the trip to its top and sinks every
 * product to its end, which spills; a never-taken branch between steps whose body stores the
 * accumulators pins each step's sums before it and each next step's loads after it. Measured on this
 * host, the macro-kernel alone: 22.1 GFLOP/s one step a trip, 24.7 with 4 pinned steps, 25.4 with 8
 * (unpinned, 2 or 4 steps spilled and fell to 15).
 */
const UNROLL = 8;

import {
  ADD, F64X2_ADD, F64X2_MUL, get, I32, i32c, LT_U, MUL, name, section, set, splat64, tee, uleb, V128, vec, vload, vstore,
} from './wasmAsm.js';

const I32_GT_U = 0x4b;
const I32_LE_U = 0x4d;
const I32_GE_U = 0x4f;
const [BLOCK, LOOP, IF, END, BR_IF, VOID] = [0x02, 0x03, 0x04, 0x0b, 0x0d, 0x40];

/** The micro-kernel: params ap, bp, cp, kc; locals p, then MR·NR/2 accumulators, NR/2 B vectors, one A splat. */
function microKernel(): number[] {
  const [AP, BP, CP, KC, P] = [0, 1, 2, 3, 4];
  const nv = NR / 2;
  const acc = (r: number, v: number): number => 5 + r * nv + v;
  const bReg = (v: number): number => 5 + MR * nv + v;
  const aReg = 5 + MR * nv + nv;
  /** One k step at `q` steps past the pointers: acc(r, v) += A[r] · B[2v .. 2v+1]. */
  const step = (q: number): number[] => {
    const out: number[] = [];
    for (let v = 0; v < nv; v++) out.push(...get(BP), ...vload(q * NR * 8 + v * 16), ...set(bReg(v)));
    for (let r = 0; r < MR; r++) {
      out.push(...get(AP), ...splat64(q * MR * 8 + r * 8), ...set(aReg));
      for (let v = 0; v < nv; v++) {
        out.push(...get(acc(r, v)), ...get(aReg), ...get(bReg(v)), ...F64X2_MUL, ...F64X2_ADD, ...set(acc(r, v)));
      }
    }
    return out;
  };
  /** Never taken (p ≤ kc inside the loop); it only gives the accumulators a use between steps (see UNROLL). */
  const pin = (): number[] => {
    const out = [...get(P), ...get(KC), I32_GT_U, IF, VOID];
    for (let r = 0; r < MR; r++) for (let v = 0; v < nv; v++) out.push(...get(CP), ...get(acc(r, v)), ...vstore((r * nv + v) * 16));
    return [...out, END];
  };
  const body: number[] = [];
  // Whole trips: while (p + UNROLL <= kc).
  body.push(BLOCK, VOID, ...get(KC), ...i32c(UNROLL), ...LT_U, BR_IF, 0, LOOP, VOID);
  for (let q = 0; q < UNROLL; q++) body.push(...(q > 0 ? pin() : []), ...step(q));
  body.push(...get(AP), ...i32c(UNROLL * MR * 8), ...ADD, ...set(AP));
  body.push(...get(BP), ...i32c(UNROLL * NR * 8), ...ADD, ...set(BP));
  body.push(...get(P), ...i32c(UNROLL), ...ADD, ...tee(P), ...i32c(UNROLL), ...ADD, ...get(KC), I32_LE_U, BR_IF, 0, END, END);
  // The last kc mod UNROLL steps, one at a time: while (p < kc).
  body.push(BLOCK, VOID, ...get(P), ...get(KC), I32_GE_U, BR_IF, 0, LOOP, VOID, ...step(0));
  body.push(...get(AP), ...i32c(MR * 8), ...ADD, ...set(AP));
  body.push(...get(BP), ...i32c(NR * 8), ...ADD, ...set(BP));
  body.push(...get(P), ...i32c(1), ...ADD, ...tee(P), ...get(KC), ...LT_U, BR_IF, 0, END, END);
  // The C tile (contiguous, row-major) += accumulators.
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < nv; v++) {
      const at = (r * nv + v) * 16;
      body.push(...get(CP), ...get(CP), ...vload(at), ...get(acc(r, v)), ...F64X2_ADD, ...vstore(at));
    }
  }
  const locals = vec([[...uleb(1), I32], [...uleb(MR * nv + nv + 1), V128]]);
  const code = [...locals, ...body, END];
  return [...uleb(code.length), ...code];
}

/** gebp: params ap, bp, cp, mBlocks, nBlocks, kc, cStrideJ; locals ir, jr. Calls the micro-kernel (function 0). */
function macroKernel(): number[] {
  const [AP, BP, CP, MB, NB, KC, CSJ, IR, JR] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const b: number[] = [];
  b.push(BLOCK, VOID, ...get(MB), 0x45, ...get(NB), 0x45, 0x72, BR_IF, 0); // br_if (mb == 0 | nb == 0)
  b.push(LOOP, VOID, ...i32c(0), ...set(IR)); // loop jr
  b.push(LOOP, VOID); // loop ir
  b.push(...get(AP), ...get(IR), ...i32c(MR * 8), ...MUL, ...get(KC), ...MUL, ...ADD);
  b.push(...get(BP), ...get(JR), ...i32c(NR * 8), ...MUL, ...get(KC), ...MUL, ...ADD);
  b.push(...get(CP), ...get(JR), ...get(CSJ), ...MUL, ...ADD, ...get(IR), ...i32c(TILE_BYTES), ...MUL, ...ADD);
  b.push(...get(KC), 0x10, 0x00); // call micro
  b.push(...get(IR), ...i32c(1), ...ADD, ...tee(IR), ...get(MB), ...LT_U, BR_IF, 0, END);
  b.push(...get(JR), ...i32c(1), ...ADD, ...tee(JR), ...get(NB), ...LT_U, BR_IF, 0, END, END);
  const code = [...vec([[...uleb(2), I32]]), ...b, END];
  return [...uleb(code.length), ...code];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const microType = [0x60, ...vec([[I32], [I32], [I32], [I32]]), 0x00];
  const macroType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32]]), 0x00];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([microType, macroType])),
    // The memory is imported (env.mem, at least one page): wasmGemm says why.
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0x00], [0x01]])),
    ...section(7, vec([[...name('gebp'), 0x00, 0x01]])),
    ...section(10, vec([microKernel(), macroKernel()])),
  ]);
}

export interface WasmGemm {
  readonly gebp: (ap: number, bp: number, cp: number, mBlocks: number, nBlocks: number, kc: number, cStrideJ: number) => void;
  readonly memory: WebAssembly.Memory;
}

const PAGE = 65536;
let compiled: WebAssembly.Module | null | undefined;
let cached: WasmGemm | undefined;

/**
 * The compiled kernel over a memory of at least `bytes`, or null where WebAssembly SIMD is unavailable
 * (then the JS kernel runs). A call that needs more memory than the last gets a new memory and instance
 * of the same module, never a grown memory: growing detaches the memory's old buffer, and the first
 * detach on a thread makes V8 throw away every optimized function there that reads a typed array and
 * check for detached buffers in every one it optimizes after (base/helperThread.ts says what that costs).
 */
export function wasmGemm(bytes = 0): WasmGemm | null {
  if (compiled === undefined) {
    compiled = null;
    if (typeof WebAssembly === 'undefined') return null;
    const code = moduleBytes();
    if (!WebAssembly.validate(code)) return null;
    compiled = new WebAssembly.Module(code);
  }
  if (compiled === null) return null;
  if (cached && cached.memory.buffer.byteLength >= bytes) return cached;
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
  const instance = new WebAssembly.Instance(compiled, { env: { mem: memory } });
  cached = { gebp: (instance.exports as unknown as { gebp: WasmGemm['gebp'] }).gebp, memory };
  return cached;
}
