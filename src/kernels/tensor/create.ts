/**
 * Creation kernels: each produces one chunk of a tensor from its parameters alone (constant fills,
 * ranges, identity blocks, seeded random draws) or from a window of user data captured at build time.
 */
import type { DType, TypedArray } from '../../base/dtypes.js';
import { type ArrayData, allocate } from '../../base/ndarray.js';
import { copyBlock } from '../../base/blocks.js';
import { sizeOf, stridesOf } from '../../base/shape.js';
import { registerKernel } from '../registry.js';
import { RandomStream } from './random.js';

interface Base {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

function make(p: Base, fill: (out: TypedArray) => void): ArrayData {
  const out = allocate(p.dtype, sizeOf(p.shape));
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
  }),
);

registerKernel(
  'tensor.linspace',
  (_in, p: Base & { readonly start: number; readonly stop: number; readonly step: number; readonly offset: number; readonly last: number }) =>
    make(p, (out) => {
      for (let i = 0; i < out.length; i++) {
        const g = p.offset + i;
        out[i] = g === p.last ? p.stop : p.start + g * p.step;
      }
    }),
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
  readonly stream: number;
  readonly low?: number;
  readonly high?: number;
}

registerKernel('tensor.random', (_in, p: RandomParams) =>
  make(p, (out) => {
    const rng = new RandomStream(p.seed, p.stream);
    const n = out.length;
    if (p.dist === 'uniform') for (let i = 0; i < n; i++) out[i] = rng.nextDouble();
    else if (p.dist === 'normal') for (let i = 0; i < n; i++) out[i] = rng.nextNormal();
    else {
      const low = p.low ?? 0;
      const span = (p.high ?? 1) - low;
      for (let i = 0; i < n; i++) out[i] = low + Math.floor(rng.nextDouble() * span);
    }
  }),
);

/** A window of build-time data; the whole array when the tensor has one chunk (no copy at all). */
registerKernel(
  'tensor.from_data',
  (_in, p: Base & { readonly data: TypedArray; readonly fullShape: readonly number[]; readonly start: readonly number[] }) => {
    if (p.data.length === sizeOf(p.shape)) return { dtype: p.dtype, shape: [...p.shape], data: p.data };
    return make(p, (out) => copyBlock(p.data, stridesOf(p.fullShape), p.start, out, stridesOf(p.shape), new Array(p.shape.length).fill(0), p.shape));
  },
);
