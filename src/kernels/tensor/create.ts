/**
 * Creation kernels: each produces one chunk of a tensor from its parameters alone (constant fills,
 * ranges, identity blocks, seeded random draws) or from a window of user data captured at build time.
 */
import type { DType, TypedArray } from '../../base/dtypes.js';
import { type ArrayData, allocate, allocateOverwritten } from '../../base/ndarray.js';
import { copyBlock } from '../../base/blocks.js';
import { sizeOf, stridesOf } from '../../base/shape.js';
import { registerKernel } from '../registry.js';
import { fillChunk, normalRun, uniformRun } from './counterRandom.js';

interface Base {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** A chunk made by `fill`; `writesAll` when it sets every element (then a reused buffer is not zeroed first). */
function make(p: Base, fill: (out: TypedArray) => void, writesAll = false): ArrayData {
  const out = (writesAll ? allocateOverwritten : allocate)(p.dtype, sizeOf(p.shape));
  fill(out);
  return { dtype: p.dtype, shape: [...p.shape], data: out };
}

registerKernel('tensor.full', (_in, p: Base & { readonly value: number }) =>
  make(p, (out) => {
    if (p.value !== 0) out.fill(p.value);
  }),
);

registerKernel('tensor.arange', (_in, p: Base & { readonly start: number; readonly step: number; readonly offset: number }) =>
  make(p, (out) => {
    for (let i = 0; i < out.length; i++) out[i] = p.start + (p.offset + i) * p.step;
  }, true),
);

registerKernel(
  'tensor.linspace',
  (_in, p: Base & { readonly start: number; readonly stop: number; readonly step: number; readonly offset: number; readonly last: number }) =>
    make(p, (out) => {
      for (let i = 0; i < out.length; i++) {
        const g = p.offset + i;
        out[i] = g === p.last ? p.stop : p.start + g * p.step;
      }
    }, true),
);

registerKernel('tensor.eye', (_in, p: Base & { readonly rowOffset: number; readonly colOffset: number; readonly k: number }) =>
  make(p, (out) => {
    const [rows, cols] = p.shape as [number, number];
    for (let i = 0; i < rows; i++) {
      const j = p.rowOffset + i + p.k - p.colOffset;
      if (j >= 0 && j < cols) out[i * cols + j] = 1;
    }
  }),
);

export interface RandomParams extends Base {
  readonly dist: 'uniform' | 'normal' | 'integers';
  readonly seed: number;
  /** The chunk's offset and the whole tensor's shape: each element's value follows from its flat index. */
  readonly start: readonly number[];
  readonly fullShape: readonly number[];
  readonly low?: number;
  readonly high?: number;
}

/** The largest float32 below 1: a double in [0, 1) may round up to 1 when stored as float32. */
const BELOW_ONE_F32 = 1 - 2 ** -24;

registerKernel('tensor.random', (_in, p: RandomParams) =>
  make(p, (out) => {
    const seed = p.seed;
    if (p.dist === 'normal') {
      fillChunk(out, p.shape, p.start, p.fullShape, (dst, first) => normalRun(dst, first, seed));
      return;
    }
    if (p.dist === 'uniform') {
      fillChunk(out, p.shape, p.start, p.fullShape, (dst, first) => uniformRun(dst, first, seed));
      if (out instanceof Float32Array) for (let i = 0; i < out.length; i++) if (out[i] === 1) out[i] = BELOW_ONE_F32;
      return;
    }
    const low = p.low ?? 0;
    const span = (p.high ?? 1) - low;
    fillChunk(out, p.shape, p.start, p.fullShape, (dst, first) => {
      uniformRun(dst, first, seed);
      for (let i = 0; i < dst.length; i++) dst[i] = low + Math.floor(dst[i]! * span);
    });
  }, true),
);

/** A window of build-time data; the whole array when the tensor has one chunk (no copy at all). */
registerKernel(
  'tensor.from_data',
  (_in, p: Base & { readonly data: TypedArray; readonly fullShape: readonly number[]; readonly start: readonly number[] }) => {
    if (p.data.length === sizeOf(p.shape)) return { dtype: p.dtype, shape: [...p.shape], data: p.data };
    return make(p, (out) => copyBlock(p.data, stridesOf(p.fullShape), p.start, out, stridesOf(p.shape), new Array(p.shape.length).fill(0), p.shape), true);
  },
);
