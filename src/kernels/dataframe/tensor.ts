/**
 * Kernels between dataframe columns and tensors: a numeric column's chunks become one 1-D array
 * (`Series.toTensor()`), and 1-D tensor chunks become the columns of a frame chunk (`fromColumns` given
 * tensors). Nulls have no place in a tensor: a float64 null becomes NaN, and an int32 or bool column
 * with nulls is refused with the column's name, so no null turns silently into a number.
 */
import { type ArrayData, allocate } from '../../base/ndarray.js';
import { InvalidArgumentError } from '../../base/errors.js';
import { allocBytes, allocFloat64, allocInt32, type FrameChunk, type FrameColumn, type FrameDtype, makeFrame } from '../../base/frame.js';
import { registerKernel } from '../registry.js';

interface ToTensorParams {
  readonly name: string;
  readonly dtype: 'int32' | 'float64' | 'bool';
}

registerKernel('frame.to_tensor', (inputs, p: ToTensorParams): ArrayData => {
  const chunks = inputs as readonly FrameChunk[];
  const rows = chunks.reduce((s, c) => s + c.rows, 0);
  const out = allocate(p.dtype, rows);
  let at = 0;
  for (const chunk of chunks) {
    const col = chunk.columns[0]!;
    if (col.dtype === 'string') throw new InvalidArgumentError(`toTensor: column '${p.name}' holds strings; a tensor holds numbers.`);
    if (col.valid !== null) {
      if (p.dtype !== 'float64') {
        throw new InvalidArgumentError(`toTensor: column '${p.name}' (${p.dtype}) has nulls, which a ${p.dtype} tensor cannot hold; fillna first, or cast it to float64 (nulls become NaN).`);
      }
      for (let i = 0; i < chunk.rows; i++) out[at + i] = col.valid[i] === 0 ? Number.NaN : col.values[i]!;
    } else {
      out.set(col.values, at);
    }
    at += chunk.rows;
  }
  return { dtype: p.dtype, shape: [rows], data: out };
});

interface FromTensorsParams {
  readonly names: readonly string[];
  readonly dtypes: readonly FrameDtype[];
}

function column(a: ArrayData, dtype: FrameDtype): FrameColumn {
  const n = a.data.length;
  if (dtype === 'int32') {
    const values = a.data instanceof Int32Array ? a.data : allocInt32(n);
    if (values !== a.data) for (let i = 0; i < n; i++) values[i] = a.data[i]!;
    return { dtype, values, valid: null };
  }
  if (dtype === 'bool') {
    const values = allocBytes(n);
    for (let i = 0; i < n; i++) values[i] = a.data[i] ? 1 : 0;
    return { dtype, values, valid: null };
  }
  const values = a.data instanceof Float64Array ? a.data : allocFloat64(n);
  if (values !== a.data) for (let i = 0; i < n; i++) values[i] = a.data[i]!;
  return { dtype: 'float64', values, valid: null };
}

registerKernel('frame.from_tensors', (inputs, p: FromTensorsParams): FrameChunk =>
  makeFrame(p.names, (inputs as readonly ArrayData[]).map((a, j) => column(a, p.dtypes[j]!))),
);
