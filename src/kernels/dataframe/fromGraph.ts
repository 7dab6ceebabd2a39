/**
 * A graph selection as a dataframe chunk (`ctx.toDataFrame`, `g.toDataFrame`): the table kernel's
 * columns (kernels/graph/select.ts `Selected`) become frame columns of the dtypes decided when the node
 * was built — ids and int64 values as float64 (exact to 2^53; a bigint id beyond is refused naming the
 * column), BFS depths with unreached as Infinity (as `toArrow` gives them), strings dictionary-encoded.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { allocBytes, allocFloat64, allocInt32, type FrameChunk, type FrameColumn, type FrameDtype, makeFrame, encodeStrings } from '../../base/frame.js';
import { spanTexts } from '../../graph/idColumns.js';
import type { Selected } from '../graph/select.js';
import { registerKernel } from '../registry.js';

const LIMIT_2_53 = 2n ** 53n;

function strings(values: readonly string[]): FrameColumn {
  return encodeStrings(values.length, (i) => values[i]!);
}

function numbers(n: number, dtype: FrameDtype, at: (i: number) => number): FrameColumn {
  if (dtype === 'bool') {
    const values = allocBytes(n);
    for (let i = 0; i < n; i++) values[i] = at(i) !== 0 ? 1 : 0;
    return { dtype, values, valid: null };
  }
  if (dtype === 'int32') {
    const values = allocInt32(n);
    for (let i = 0; i < n; i++) values[i] = at(i);
    return { dtype, values, valid: null };
  }
  const values = allocFloat64(n);
  for (let i = 0; i < n; i++) values[i] = at(i);
  return { dtype: 'float64', values, valid: null };
}

function columnOf(name: string, s: Selected, dtype: FrameDtype): FrameColumn {
  if ('dtype' in s) return numbers(s.data.length, dtype, (i) => s.data[i] as number);
  switch (s.kind) {
    case 'depths':
      return numbers(s.values.length, 'float64', (i) => (s.values[i] === s.unreached ? Infinity : s.values[i]!));
    case 'labels':
      return numbers(s.labels.length, 'float64', (i) => s.ids[s.labels[i]!]!);
    case 'bigints':
      return numbers(s.values.length, 'float64', (i) => {
        const v = s.values[i]!;
        if (v > LIMIT_2_53 || v < -LIMIT_2_53) throw new InvalidArgumentError(`column '${name}' holds the id ${v}, beyond ±2^53: a dataframe holds it only as float64; use toArrow for int64 ids.`);
        return Number(v);
      });
    case 'strings':
      return strings(s.values);
    case 'string-ids':
      return strings(spanTexts(s.ids, s.picks, s.lo, s.hi));
  }
}

registerKernel('frame.from_selected', (inputs, p: { readonly names: readonly string[]; readonly dtypes: readonly FrameDtype[] }): FrameChunk => {
  const table = inputs[0] as Readonly<Record<string, Selected>>;
  return makeFrame(p.names, p.names.map((name, j) => columnOf(name, table[name]!, p.dtypes[j]!)));
});
