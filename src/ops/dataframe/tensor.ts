/**
 * Dataframes and tensors meet here: a numeric column becomes a 1-D tensor (`Series.toTensor()`), and
 * 1-D tensors become a frame's columns (`dataframe.fromColumns({ v: tensor })`). A tensor's shape is
 * part of its meta, known when it is built, so a column becomes a tensor only when its frame's row
 * count is known then (sources know it; a filter's result does not until it runs).
 */
import { DTypeError, InvalidArgumentError, ShapeError } from '../../base/errors.js';
import type { DType } from '../../base/dtypes.js';
import type { FrameDtype } from '../../base/frame.js';
import { show } from '../../base/show.js';
import { makeTileable } from '../../dag/nodes.js';
import { reprNode } from '../../dag/repr.js';
import { chunkKey, registerOp, type Tiled } from '../op.js';
import { makeTensor, type TensorNode } from '../tensor/meta.js';
import { rechunkNode } from '../tensor/rechunk.js';
import { frameMeta, type FrameNode } from './meta.js';

/** The one column of `frame` as a 1-D tensor, in one chunk. */
export function frameToTensorNode(frame: FrameNode): TensorNode {
  if (frame.meta.fields.length !== 1) throw new InvalidArgumentError(`toTensor needs one column, ${reprNode(frame)} has ${frame.meta.fields.length}.`);
  const field = frame.meta.fields[0]!;
  if (field.dtype === 'string') throw new DTypeError(`toTensor: column ${show(field.name)} holds strings; a tensor holds numbers (or booleans).`);
  const rows = frame.meta.rows;
  if (!Number.isInteger(rows)) {
    throw new ShapeError(
      `toTensor: the rows of ${reprNode(frame)} are not known until it runs (a filter, merge or file source), and a tensor's shape is fixed when it is built; ` +
        'take the column from a frame of known rows, e.g. dataframe.fromArrow(await d.fetch()).',
    );
  }
  return makeTensor('frame.to_tensor', { name: field.name, dtype: field.dtype }, [frame], { shape: [rows], dtype: field.dtype, nsplits: [[rows]] });
}

registerOp({
  name: 'frame.to_tensor',
  tile(node, ctx): Tiled {
    const input = ctx.input(0);
    const rows = (node as TensorNode).meta.shape[0]!;
    const key = ctx.add({ key: chunkKey(node.key, [0]), kernel: 'frame.to_tensor', params: node.params, inputs: [...input.chunks], meta: { shape: [rows] } });
    return { nsplits: [[rows]], chunks: [key] };
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
