/**
 * `frame.dropna`: the rows of a chunk with no null in the given columns (every column when the list
 * is empty). Null means invalid — a NaN in a float column is a value and is kept (Arrow, not pandas).
 * A direct loop over validity bytes and string codes; no expression is needed.
 */
import { type FrameChunk, isFrameChunk, takeRows, columnOf } from '../../base/frame.js';
import { registerKernel } from '../registry.js';

export interface DropnaParams {
  readonly subset: readonly string[];
}

/** Row numbers of `chunk` whose `names` columns are all non-null. */
export function nonNullRows(chunk: FrameChunk, names: readonly string[]): Int32Array {
  const n = chunk.rows;
  // keep[i] stays 1 while every column seen so far is valid at row i.
  const keep = new Uint8Array(n).fill(1);
  let any = false;
  for (const name of names) {
    const c = columnOf(chunk, name);
    if (c.dtype === 'string') {
      const codes = c.codes;
      for (let i = 0; i < n; i++) if (codes[i]! < 0) keep[i] = 0;
      any = true;
    } else if (c.valid !== null) {
      const valid = c.valid;
      for (let i = 0; i < n; i++) if (valid[i] === 0) keep[i] = 0;
      any = true;
    }
  }
  const index = new Int32Array(n);
  if (!any) {
    for (let i = 0; i < n; i++) index[i] = i;
    return index;
  }
  let k = 0;
  for (let i = 0; i < n; i++) if (keep[i] !== 0) index[k++] = i;
  return index.subarray(0, k);
}

registerKernel<DropnaParams>('frame.dropna', (inputs, p) => {
  const chunk = inputs[0];
  if (!isFrameChunk(chunk)) throw new Error('frame.dropna expects a dataframe chunk as its input.');
  const names = p.subset.length === 0 ? chunk.names : p.subset;
  const index = nonNullRows(chunk, names);
  return index.length === chunk.rows ? chunk : takeRows(chunk, index);
});
