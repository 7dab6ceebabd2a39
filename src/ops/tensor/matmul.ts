/**
 * Blocked matrix product of 2-D tensors: the contracted axis of the right operand is rechunked to
 * match the left one, and output block (i, j) is one task summing A(i, k)·B(k, j) over k. 1-D operands
 * follow NumPy (a vector is a row on the left, a column on the right, and that axis is dropped).
 */
import { promoteTypes } from '../../base/dtypes.js';
import { ShapeError } from '../../base/errors.js';
import { shapeStr } from '../../base/shape.js';
import { chunkKey, registerOp } from '../op.js';
import { Grid, type TensorNode, makeTensor } from './meta.js';
import { rechunkTiled } from './rechunk.js';
import { reshapeNode } from './shapeOps.js';

export function matmulNode(a: TensorNode, b: TensorNode): TensorNode {
  const [sa, sb] = [a.meta.shape, b.meta.shape];
  if (sa.length === 0 || sb.length === 0 || sa.length > 2 || sb.length > 2) {
    throw new ShapeError(`matmul takes 1-D or 2-D tensors, got shapes ${shapeStr(sa)} and ${shapeStr(sb)}.`);
  }
  const a2 = sa.length === 1 ? reshapeNode(a, [1, sa[0]!]) : a;
  const b2 = sb.length === 1 ? reshapeNode(b, [sb[0]!, 1]) : b;
  const [m, k] = a2.meta.shape as [number, number];
  const [k2, n] = b2.meta.shape as [number, number];
  if (k !== k2) {
    throw new ShapeError(`matmul: shapes ${shapeStr(sa)} and ${shapeStr(sb)} are not aligned: ${k} (axis 1 of the left) != ${k2} (axis 0 of the right).`);
  }
  const dtype = promoteTypes(a.meta.dtype, b.meta.dtype);
  const out = makeTensor('tensor.matmul', {}, [a2, b2], {
        shape: [m, n],
    dtype,
    nsplits: [[...a2.meta.nsplits[0]!], [...b2.meta.nsplits[1]!]],
  });
  if (sa.length === 1 && sb.length === 1) return reshapeNode(out, []);
  if (sa.length === 1) return reshapeNode(out, [n]);
  if (sb.length === 1) return reshapeNode(out, [m]);
  return out;
}

registerOp({
  name: 'tensor.matmul',
  tile(tileable, ctx) {
    const node = tileable as TensorNode;
    const b = node.inputs[1] as TensorNode;
    const ta = ctx.input(0);
    const tb = rechunkTiled(ctx, { key: b.key, dtype: b.meta.dtype }, ctx.input(1), [ta.nsplits[1]!, b.meta.nsplits[1]!]);
    const ga = new Grid(ta.nsplits);
    const gb = new Grid(tb.nsplits);
    const kChunks = ta.nsplits[1]!.length;
    const outGrid = new Grid(node.meta.nsplits);
    const chunks = outGrid.indices().map(([i, j]) => {
      const inputs: string[] = [];
      for (let k = 0; k < kChunks; k++) inputs.push(ta.chunks[ga.flat([i!, k])]!, tb.chunks[gb.flat([k, j!])]!);
      const shape = outGrid.shape([i!, j!]);
      return ctx.add({
        key: chunkKey(node.key, [i!, j!]),
        kernel: 'tensor.matmul',
        params: { shape, dtype: node.meta.dtype },
        inputs,
        meta: { shape, dtype: node.meta.dtype },
      });
    });
    return { nsplits: node.meta.nsplits, chunks };
  },
});
