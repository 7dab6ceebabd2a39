/**
 * Dataframes and tensors meet here: a numeric column becomes a 1-D tensor (`Series.toTensor()`), and
 * 1-D tensors become a frame's columns (`dataframe.fromColumns({ v: tensor })`). A column whose frame's
 * rows are known when it is built (a source that knows them, or a frame a run has measured) becomes a
 * tensor of that shape. Otherwise (a filter's result, a CSV file) the tensor's length is unknown — `NaN`,
 * as Mars's tensors after boolean indexing — and its tile is iterative: it runs the column's chunk,
 * reads its measured rows, and hands the real extent on to the ops tiled after it (elementwise ops and
 * reductions accept such a tensor; ops that need the length at build time refuse it, saying to run it).
 */
import { DTypeError, InvalidArgumentError, ShapeError } from '../../base/errors.js';
import type { DType } from '../../base/dtypes.js';
import type { FrameDtype } from '../../base/frame.js';
import { show } from '../../base/show.js';
import { makeTileable } from '../../dag/nodes.js';
import { reprNode } from '../../dag/repr.js';
import { chunkKey, registerOp, type TileResult, type Tiled } from '../op.js';
import { makeTensor, type TensorNode } from '../tensor/meta.js';
import { rechunkNode } from '../tensor/rechunk.js';
import { frameMeta, type FrameNode } from './meta.js';

/** The one column of `frame` as a 1-D tensor, in one chunk; its length is `NaN` when the frame's rows are not known yet. */
export function frameToTensorNode(frame: FrameNode): TensorNode {
  if (frame.meta.fields.length !== 1) throw new InvalidArgumentError(`toTensor needs one column, ${reprNode(frame)} has ${frame.meta.fields.length}.`);
  const field = frame.meta.fields[0]!;
  if (field.dtype === 'string') throw new DTypeError(`toTensor: column ${show(field.name)} holds strings; a tensor holds numbers (or booleans).`);
  const rows = frame.meta.rows;
  return makeTensor('frame.to_tensor', { name: field.name, dtype: field.dtype }, [frame], { shape: [rows], dtype: field.dtype, nsplits: [[rows]] });
}

registerOp({
  name: 'frame.to_tensor',
  tile(node, ctx): TileResult {
    const input = ctx.input(0);
    const key = chunkKey(node.key, [0]);
    // Without known rows the chunk's meta has no shape (the executor checks a shape it is given).
    const add = (rows: number): string =>
      ctx.add({ key, kernel: 'frame.to_tensor', params: node.params, inputs: [...input.chunks], meta: Number.isNaN(rows) ? {} : { shape: [rows] } });
    // Rows the frame's tiling knows (a source's, or an executed frame's measured ones) need no pre-run.
    const known = input.nsplits[0]!.reduce((a, b) => a + b, 0);
    if (Number.isInteger(known)) {
      add(known);
      return { nsplits: [[known]], chunks: [key] };
    }
    return (function* measure(): Generator<readonly string[], Tiled, void> {
      add(Number.NaN);
      yield [key];
      const rows = ctx.chunkInfo(key)?.rows;
      if (rows === undefined || !Number.isInteger(rows)) throw new Error(`frame.to_tensor: chunk ${key} ran but measured no rows (a tiler bug).`);
      ctx.plan(`length measured: ${rows} rows`);
      return { nsplits: [[rows]], chunks: [key] };
    })();
  },
});

const FRAME_DTYPE_OF: Readonly<Record<DType, FrameDtype>> = {
  bool: 'bool', int8: 'int32', int16: 'int32', int32: 'int32', uint8: 'int32', uint16: 'int32',
  int64: 'float64', uint32: 'float64', float32: 'float64', float64: 'float64',
};

/** A frame whose columns are 1-D tensors of one length (chunked as the first; the others follow it). */
export function fromTensorsNode(columns: Readonly<Record<string, TensorNode>>): FrameNode {
  const names = Object.keys(columns);
  if (names.length === 0) throw new InvalidArgumentError('fromColumns needs at least one column.');
  const first = columns[names[0]!]!;
  for (const name of names) {
    const t = columns[name]!;
    if (t.meta.shape.some((e) => Number.isNaN(e))) {
      throw new ShapeError(`fromColumns: the length of tensor column ${show(name)} is not known until it runs (a column of a filtered frame); execute it first and build from the handle, or keep it in the frame (assign).`);
    }
    if (t.meta.shape.length !== 1) throw new ShapeError(`fromColumns: tensor column ${show(name)} has shape ${show(t.meta.shape)}; a column needs a 1-D tensor (ravel or reshape it).`);
    if (t.meta.shape[0] !== first.meta.shape[0]) {
      throw new ShapeError(`fromColumns: tensor column ${show(name)} has ${t.meta.shape[0]} rows where ${show(names[0])} has ${first.meta.shape[0]}.`);
    }
  }
  const nsplits = first.meta.nsplits;
  const inputs = names.map((n) => rechunkNode(columns[n]!, nsplits));
  const dtypes = names.map((n) => FRAME_DTYPE_OF[columns[n]!.meta.dtype]);
  const fields = names.map((name, j) => ({ name, dtype: dtypes[j]! }));
  return makeTileable('frame.from_tensors', { names, dtypes }, inputs, frameMeta(fields, first.meta.shape[0]!));
}

registerOp({
  name: 'frame.from_tensors',
  tile(node, ctx): Tiled {
    const tensors = node.inputs.map((_, j) => ctx.input(j));
    const rows = tensors[0]!.nsplits[0]!;
    const chunks = rows.map((n, i) =>
      ctx.add({ key: chunkKey(node.key, [i]), kernel: 'frame.from_tensors', params: node.params, inputs: tensors.map((t) => t.chunks[i]!), meta: { rows: n } }),
    );
    return { nsplits: [[...rows]], chunks };
  },
});
