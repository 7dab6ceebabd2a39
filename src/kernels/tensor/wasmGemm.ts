/**
 * The matmul inner kernel as WebAssembly SIMD, assembled from bytes at load time (there is no wasm
 * toolchain at build time, and the module is small). `gebp(ap, bp, cp, mBlocks, nBlocks, kc, ldc)`
 * multiplies a packed block of A (mBlocks panels of MR rows × kc, each panel column-interleaved) by a
 * packed panel of B (nBlocks panels of kc × NR) and adds the product into C (row stride ldc bytes).
 * Each MR×NR tile of C is held in f64x2 registers over the whole kc loop, so C is read and written
 * once per kc block, A once per NR columns and B once per MR rows (the GotoBLAS register tile).
 * Without fused multiply-add in baseline wasm SIMD, each step is a multiply then an add, in the same
 * order as the scalar loop, so per-element results are those of a sequential sum over k.
 */

/** Rows and columns of the register tile: MR·NR/2 accumulators + NR/2 B vectors + 1 A splat ≤ 16 xmm. */
export const MR = 4;
export const NR = 4;

import {
  ADD, F64X2_ADD, F64X2_MUL, get, I32, i32c, LT_U, MUL, name, section, set, sleb, splat64, uleb, V128, vec, vload, vstore,
} from './wasmAsm.js';

/** The micro-kernel: params ap, bp, cp, kc, ldc; locals: p, then MR·NR/2 accumulators, NR/2 B vectors, one A splat. */
function microKernel(): number[] {
  const [AP, BP, CP, KC, LDC, P] = [0, 1, 2, 3, 4, 5];
  const nv = NR / 2;
  const acc = (r: number, v: number): number => 6 + r * nv + v;
  const bReg = (v: number): number => 6 + MR * nv + v;
  const aReg = 6 + MR * nv + nv;
  const body: number[] = [];
  // if (kc == 0) skip the loop (a loop body always runs once).
  body.push(0x02, 0x40, ...get(KC), 0x45, 0x0d, 0x00);
  body.push(0x03, 0x40);
  for (let v = 0; v < nv; v++) body.push(...get(BP), ...vload(v * 16), ...set(bReg(v)));
  for (let r = 0; r < MR; r++) {
    body.push(...get(AP), ...splat64(r * 8), ...set(aReg));
    for (let v = 0; v < nv; v++) {
      body.push(...get(acc(r, v)), ...get(aReg), ...get(bReg(v)), ...F64X2_MUL, ...F64X2_ADD, ...set(acc(r, v)));
    }
  }
  body.push(...get(AP), ...i32c(MR * 8), ...ADD, ...set(AP));
  body.push(...get(BP), ...i32c(NR * 8), ...ADD, ...set(BP));
  body.push(...get(P), ...i32c(1), ...ADD, 0x22, ...uleb(P)); // local.tee p
  body.push(...get(KC), ...LT_U, 0x0d, 0x00, 0x0b, 0x0b);
  // C tile += accumulators, row r at cp + r·ldc.
  for (let r = 0; r < MR; r++) {
    for (let v = 0; v < nv; v++) {
      const rowAddr = [...get(CP), ...get(LDC), ...i32c(r), ...MUL, ...ADD];
      body.push(...rowAddr, ...rowAddr, ...vload(v * 16), ...get(acc(r, v)), ...F64X2_ADD, ...vstore(v * 16));
    }
  }
  const locals = vec([[...uleb(1), I32], [...uleb(MR * nv + nv + 1), V128]]);
  const code = [...locals, ...body, 0x0b];
  return [...uleb(code.length), ...code];
}

/** gebp: params ap, bp, cp, mBlocks, nBlocks, kc, ldc; locals ir, jr. Calls the micro-kernel (function 0). */
function macroKernel(): number[] {
  const [AP, BP, CP, MB, NB, KC, LDC, IR, JR] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const b: number[] = [];
  b.push(0x02, 0x40, ...get(MB), 0x45, ...get(NB), 0x45, 0x72, 0x0d, 0x00); // block; br_if (mb==0 | nb==0)
  b.push(0x03, 0x40, ...i32c(0), ...set(IR)); // loop jr
  b.push(0x03, 0x40); // loop ir
  b.push(...get(AP), ...get(IR), ...i32c(MR * 8), ...MUL, ...get(KC), ...MUL, ...ADD);
  b.push(...get(BP), ...get(JR), ...i32c(NR * 8), ...MUL, ...get(KC), ...MUL, ...ADD);
  b.push(...get(CP), ...get(IR), ...i32c(MR), ...MUL, ...get(LDC), ...MUL, ...ADD, ...get(JR), ...i32c(NR * 8), ...MUL, ...ADD);
  b.push(...get(KC), ...get(LDC), 0x10, 0x00); // call micro
  b.push(...get(IR), ...i32c(1), ...ADD, 0x22, ...uleb(IR), ...get(MB), ...LT_U, 0x0d, 0x00, 0x0b);
  b.push(...get(JR), ...i32c(1), ...ADD, 0x22, ...uleb(JR), ...get(NB), ...LT_U, 0x0d, 0x00, 0x0b, 0x0b);
  const code = [...vec([[...uleb(2), I32]]), ...b, 0x0b];
  return [...uleb(code.length), ...code];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const microType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), 0x00];
  const macroType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32]]), 0x00];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([microType, macroType])),
    ...section(3, vec([[0x00], [0x01]])),
    ...section(5, vec([[0x00, 0x01]])), // one memory, 1 page to start, grown on demand
    ...section(7, vec([[...name('gebp'), 0x00, 0x01], [...name('mem'), 0x02, 0x00]])),
    ...section(10, vec([microKernel(), macroKernel()])),
  ]);
}

export interface WasmGemm {
  readonly gebp: (ap: number, bp: number, cp: number, mBlocks: number, nBlocks: number, kc: number, ldc: number) => void;
  readonly memory: WebAssembly.Memory;
}

let cached: WasmGemm | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is unavailable (then the JS kernel runs). */
export function wasmGemm(): WasmGemm | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (typeof WebAssembly === 'undefined') return cached;
  const bytes = moduleBytes();
  if (!WebAssembly.validate(bytes)) return cached;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const ex = instance.exports as unknown as { gebp: WasmGemm['gebp']; mem: WebAssembly.Memory };
  cached = { gebp: ex.gebp, memory: ex.mem };
  return cached;
}
