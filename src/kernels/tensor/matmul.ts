/**
 * Blocked matrix product: output block (i, j) = Σ_k A(i, k) · B(k, j), with the k-blocks passed as
 * input pairs [A0, B0, A1, B1, ...]. The i-k-j loop order streams rows of B and of the output, and the
 * sum is carried in float64 whatever the result dtype.
 */
import type { DType } from '../../base/dtypes.js';
import { type ArrayData, allocate } from '../../base/ndarray.js';
import { registerKernel } from '../registry.js';

registerKernel('tensor.matmul', (inputs, p: { readonly shape: readonly [number, number]; readonly dtype: DType }) => {
  const [m, n] = p.shape;
  const acc = new Float64Array(m * n);
  for (let pair = 0; pair + 1 < inputs.length; pair += 2) {
    const a = inputs[pair] as ArrayData;
    const b = inputs[pair + 1] as ArrayData;
    const kk = a.shape[1]!;
    const A = a.data;
    const B = b.data;
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let k = 0; k < kk; k++) {
        const aik = A[i * kk + k]!;
        const bk = k * n;
        for (let j = 0; j < n; j++) acc[row + j]! += aik * B[bk + j]!;
      }
    }
  }
  const out = allocate(p.dtype, m * n);
  // A boolean product is a logical or of ands (NumPy): any non-zero sum is True, stored as 1.
  if (p.dtype === 'bool') for (let i = 0; i < acc.length; i++) out[i] = acc[i] !== 0 ? 1 : 0;
  else out.set(acc);
  return { dtype: p.dtype, shape: [m, n], data: out };
});
