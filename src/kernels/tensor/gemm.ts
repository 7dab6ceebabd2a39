/**
 * Blocked matrix product C = Σ A·B over a list of (A, B) pairs, GotoBLAS style: B is packed KC rows at
 * a time into NR-wide panels, A into MC×KC blocks of MR-row panels, and the macro-kernel (WebAssembly
 * SIMD, wasmGemm.ts, or the scalar JS one below where wasm is unavailable) keeps an MR×NR tile of C in
 * registers across each kc block. Packing reads any strides, so transposed operands cost nothing
 * extra, and converts every dtype to float64 (the product is always summed in float64); row-major
 * float64 operands take monomorphic typed loops. C lives in the wasm memory as contiguous MR×NR tiles
 * (wasmGemm.ts) and is copied out row-major at the end.
 * Results per element are a sequential sum over k within a kc block, added block after block: KC fixes
 * the summation order, so changing it changes results in the last bits.
 */
import { MR, NR, TILE_BYTES, wasmGemm } from './wasmGemm.js';

/** A 2-D operand: element (i, j) is data[offset + i·rowStride + j·colStride]. */
export interface MatView {
  readonly data: ArrayLike<number>;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

export interface GemmPair {
  readonly a: MatView;
  readonly b: MatView;
  readonly k: number;
}

/** k-block depth and rows of A per packed block: the A block (256 KiB) stays in L2, a B panel (8 KiB) in L1. */
const KC = 256;
const MC = MR * Math.floor(128 / MR);

const roundUp = (x: number, r: number): number => Math.ceil(x / r) * r;

function packB(dst: Float64Array, at: number, b: MatView, p0: number, kc: number, n: number): void {
  const { data, offset, rowStride, colStride } = b;
  const full = n - (n % NR);
  if (colStride === 1 && data instanceof Float64Array) packBRows(dst, at, data, offset + p0 * rowStride, rowStride, kc, full);
  else packBStrided(dst, at, data, offset + p0 * rowStride, rowStride, colStride, kc, 0, full);
  if (full < n) packBStrided(dst, at, data, offset + p0 * rowStride, rowStride, colStride, kc, full, n);
}

/**
 * Whole panels of a row-major float64 B (the common case, one monomorphic loop), two panels at a time:
 * each row gives 8 contiguous elements, written to two sequential streams (≈1 G elements/s here; a
 * row scattered over every panel at once touched a page per panel and ran 10× slower).
 */
function packBRows(dst: Float64Array, at: number, src: Float64Array, start: number, rowStride: number, kc: number, full: number): void {
  const panel = kc * NR;
  const pairs = full - (full % (2 * NR));
  for (let j0 = 0; j0 < pairs; j0 += 2 * NR) {
    for (let p = 0, s = start + j0, d = at + (j0 / NR) * panel; p < kc; p++, s += rowStride, d += NR) {
      dst[d] = src[s]!;
      dst[d + 1] = src[s + 1]!;
      dst[d + 2] = src[s + 2]!;
      dst[d + 3] = src[s + 3]!;
      dst[d + panel] = src[s + 4]!;
      dst[d + panel + 1] = src[s + 5]!;
      dst[d + panel + 2] = src[s + 6]!;
      dst[d + panel + 3] = src[s + 7]!;
    }
  }
  if (pairs < full) {
    for (let p = 0, s = start + pairs, d = at + (pairs / NR) * panel; p < kc; p++, s += rowStride, d += NR) {
      dst[d] = src[s]!;
      dst[d + 1] = src[s + 1]!;
      dst[d + 2] = src[s + 2]!;
      dst[d + 3] = src[s + 3]!;
    }
  }
}

/** Panels from column j0 to j1 (a multiple of NR, or n for the last, zero-padded panel) of any B. */
function packBStrided(
  dst: Float64Array, at: number, data: ArrayLike<number>, start: number, rowStride: number, colStride: number, kc: number, j0: number, j1: number,
): void {
  const panel = kc * NR;
  for (let jp = j0; jp < j1; jp += NR) {
    const d0 = at + (jp / NR) * panel;
    const width = Math.min(NR, j1 - jp);
    for (let p = 0; p < kc; p++) {
      const row = start + p * rowStride + jp * colStride;
      const d = d0 + p * NR;
      for (let jj = 0; jj < NR; jj++) dst[d + jj] = jj < width ? data[row + jj * colStride]! : 0;
    }
  }
}

function packA(dst: Float64Array, at: number, a: MatView, i0: number, mc: number, p0: number, kc: number): void {
  const { data, offset, rowStride, colStride } = a;
  const full = mc - (mc % MR);
  const start = offset + i0 * rowStride + p0 * colStride;
  if (colStride === 1 && data instanceof Float64Array) packARows(dst, at, data, start, rowStride, full, kc);
  else packAStrided(dst, at, data, start, rowStride, colStride, 0, full, kc);
  if (full < mc) packAStrided(dst, at, data, start, rowStride, colStride, full, mc, kc);
}

/** Whole MR-row panels of a row-major float64 A: MR rows read side by side, written interleaved. */
function packARows(dst: Float64Array, at: number, src: Float64Array, start: number, rowStride: number, full: number, kc: number): void {
  for (let ib = 0; ib < full; ib += MR) {
    const s0 = start + ib * rowStride;
    const [s1, s2, s3] = [s0 + rowStride, s0 + 2 * rowStride, s0 + 3 * rowStride];
    for (let p = 0, d = at + ib * kc; p < kc; p++, d += MR) {
      dst[d] = src[s0 + p]!;
      dst[d + 1] = src[s1 + p]!;
      dst[d + 2] = src[s2 + p]!;
      dst[d + 3] = src[s3 + p]!;
    }
  }
}

/** Panels from row i0 to i1 (a multiple of MR, or mc for the last, zero-padded panel) of any A. */
function packAStrided(
  dst: Float64Array, at: number, data: ArrayLike<number>, start: number, rowStride: number, colStride: number, i0: number, i1: number, kc: number,
): void {
  for (let ib = i0; ib < i1; ib += MR) {
    const panel = at + ib * kc;
    for (let ii = 0; ii < MR; ii++) {
      if (ib + ii >= i1) {
        for (let p = 0; p < kc; p++) dst[panel + p * MR + ii] = 0;
        continue;
      }
      let src = start + (ib + ii) * rowStride;
      for (let p = 0; p < kc; p++, src += colStride) dst[panel + p * MR + ii] = data[src]!;
    }
  }
}

/** Scalar macro-kernel with the same layouts and summation order as the wasm one (offsets in elements); its tile is 4×4. */
if (MR !== 4 || NR !== 4) throw new Error('gebpJs is written for the 4×4 register tile of wasmGemm.ts.');
const TILE = TILE_BYTES / 8;
function gebpJs(w: Float64Array, ap: number, bp: number, cp: number, mBlocks: number, nBlocks: number, kc: number, cStrideJ: number): void {
  for (let jr = 0; jr < nBlocks; jr++) {
    for (let ir = 0; ir < mBlocks; ir++) {
      let a = ap + ir * MR * kc;
      let b = bp + jr * NR * kc;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < kc; p++, a += MR, b += NR) {
        const b0 = w[b]!, b1 = w[b + 1]!, b2 = w[b + 2]!, b3 = w[b + 3]!;
        const a0 = w[a]!, a1 = w[a + 1]!, a2 = w[a + 2]!, a3 = w[a + 3]!;
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const c = cp + jr * cStrideJ + ir * TILE;
      addRow(w, c, c00, c01, c02, c03);
      addRow(w, c + NR, c10, c11, c12, c13);
      addRow(w, c + 2 * NR, c20, c21, c22, c23);
      addRow(w, c + 3 * NR, c30, c31, c32, c33);
    }
  }
}

function addRow(w: Float64Array, at: number, x0: number, x1: number, x2: number, x3: number): void {
  w[at] = w[at]! + x0;
  w[at + 1] = w[at + 1]! + x1;
  w[at + 2] = w[at + 2]! + x2;
  w[at + 3] = w[at + 3]! + x3;
}

let jsWork = new Float64Array(0);

/** The JS kernel's float64 work space of at least `elements`. */
function jsWorkspace(elements: number): Float64Array {
  if (jsWork.length < elements) jsWork = new Float64Array(elements);
  return jsWork;
}

/**
 * Row-major out (m×n) from the tiles of C (tile (I, J) at cAt + (J·mTiles + I)·TILE), a strip of MR
 * rows at a time: each tile is read once, whole (two cache lines), and written to MR row streams —
 * row by row, every tile was read MR times a quarter at a time, three times slower in a pool worker.
 */
function untile(out: Float64Array, w: Float64Array, cAt: number, m: number, n: number, mTiles: number): void {
  const fullCols = n - (n % NR);
  const jStride = mTiles * TILE;
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = Math.min(MR, m - i0);
    let src = cAt + (i0 / MR) * TILE;
    let dst = i0 * n;
    if (rows === MR) {
      const [d1, d2, d3] = [n, 2 * n, 3 * n];
      for (let j = 0; j < fullCols; j += NR, src += jStride, dst += NR) {
        out[dst] = w[src]!;
        out[dst + 1] = w[src + 1]!;
        out[dst + 2] = w[src + 2]!;
        out[dst + 3] = w[src + 3]!;
        out[dst + d1] = w[src + 4]!;
        out[dst + d1 + 1] = w[src + 5]!;
        out[dst + d1 + 2] = w[src + 6]!;
        out[dst + d1 + 3] = w[src + 7]!;
        out[dst + d2] = w[src + 8]!;
        out[dst + d2 + 1] = w[src + 9]!;
        out[dst + d2 + 2] = w[src + 10]!;
        out[dst + d2 + 3] = w[src + 11]!;
        out[dst + d3] = w[src + 12]!;
        out[dst + d3 + 1] = w[src + 13]!;
        out[dst + d3 + 2] = w[src + 14]!;
        out[dst + d3 + 3] = w[src + 15]!;
      }
    } else {
      for (let j = 0; j < fullCols; j += NR, src += jStride, dst += NR) {
        for (let r = 0; r < rows; r++) for (let c = 0; c < NR; c++) out[dst + r * n + c] = w[src + r * NR + c]!;
      }
    }
    // The last, partial tile column.
    for (let r = 0; r < rows; r++) for (let j = fullCols; j < n; j++) out[(i0 + r) * n + j] = w[src + r * NR + j - fullCols]!;
  }
}

/**
 * out (m×n, row-major) = Σ over pairs of A (m×k) · B (k×n). `engine` picks the kernel: wasm SIMD when
 * available (the default), or the scalar JS one (for comparison and where wasm is missing).
 */
export function gemm(out: Float64Array, m: number, n: number, pairs: readonly GemmPair[], engine: 'wasm' | 'js' = 'wasm'): void {
  if (m === 0 || n === 0) return;
  const nPad = roundUp(n, NR);
  const mPad = roundUp(m, MR);
  const mTiles = mPad / MR;
  const kMax = Math.min(KC, Math.max(1, ...pairs.map((q) => q.k)));
  const aAt = 0;
  const bAt = aAt + MC * kMax;
  const cAt = bAt + kMax * nPad;
  const elements = cAt + mPad * nPad;
  const wasm = engine === 'wasm' ? wasmGemm(8 * elements) : null;
  const w = wasm ? new Float64Array(wasm.memory.buffer) : jsWorkspace(elements);
  w.fill(0, cAt, cAt + mPad * nPad);
  for (const { a, b, k } of pairs) {
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      packB(w, bAt, b, p0, kc, n);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packA(w, aAt, a, i0, mc, p0, kc);
        const mBlocks = Math.ceil(mc / MR);
        const c = cAt + (i0 / MR) * TILE;
        if (wasm) wasm.gebp(aAt * 8, bAt * 8, c * 8, mBlocks, nPad / NR, kc, mTiles * TILE_BYTES);
        else gebpJs(w, aAt, bAt, c, mBlocks, nPad / NR, kc, mTiles * TILE);
      }
    }
  }
  untile(out, w, cAt, m, n, mTiles);
}
