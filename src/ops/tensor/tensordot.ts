/**
 * NumPy's `tensordot` and `dot` as a matrix product: the free axes of the left operand are moved to the
 * front and the contracted ones to the back (the right operand the other way round), each side is
 * reshaped to 2-D, multiplied by the blocked matmul and the result reshaped to the free axes of both.
 * Every axis list and extent is checked here, at build time.
 */
import { InvalidArgumentError, ShapeError } from '../../base/errors.js';
import { normalizeAxis, shapeStr, sizeOf } from '../../base/shape.js';
import { show } from '../../base/show.js';
import { matmulNode } from './matmul.js';
import type { TensorNode } from './meta.js';
import { reshapeNode, transposeNode } from './shapeOps.js';

/** `n` (the last n axes of a with the first n of b) or a pair of axis lists, as NumPy takes them. */
export type TensordotAxes = number | readonly [number | readonly number[], number | readonly number[]];

function axisList(spec: number | readonly number[], ndim: number, side: string): number[] {
  const list = typeof spec === 'number' ? [spec] : spec;
  if (!Array.isArray(list) || list.some((a) => typeof a !== 'number')) {
    throw new InvalidArgumentError(`tensordot axes for the ${side} operand must be an axis or a list of axes, got ${show(spec)}.`);
  }
  const axes = list.map((a) => normalizeAxis(a, ndim));
  if (new Set(axes).size !== axes.length) {
    throw new InvalidArgumentError(`tensordot axes ${show(spec)} of the ${side} operand repeat an axis: each may be contracted once.`);
  }
  return axes;
}

function contractedAxes(sa: readonly number[], sb: readonly number[], axes: TensordotAxes): [number[], number[]] {
  if (typeof axes === 'number') {
    if (!Number.isInteger(axes) || axes < 0 || axes > sa.length || axes > sb.length) {
      throw new InvalidArgumentError(
        `tensordot axes=${show(axes)} must be a whole number from 0 to ${Math.min(sa.length, sb.length)} ` +
          `(the fewest axes of shapes ${shapeStr(sa)} and ${shapeStr(sb)}).`,
      );
    }
    return [[...Array(axes).keys()].map((i) => sa.length - axes + i), [...Array(axes).keys()]];
  }
  if (!Array.isArray(axes) || axes.length !== 2) {
    throw new InvalidArgumentError(`tensordot axes must be a number or a pair [axesOfLeft, axesOfRight], got ${show(axes)}.`);
  }
  const left = axisList(axes[0], sa.length, 'left');
  const right = axisList(axes[1], sb.length, 'right');
  if (left.length !== right.length) {
    throw new ShapeError(`tensordot contracts as many axes on each side, got ${left.length} on the left and ${right.length} on the right.`);
  }
  return [left, right];
}

export function tensordotNode(a: TensorNode, b: TensorNode, axes: TensordotAxes = 2): TensorNode {
  const [sa, sb] = [a.meta.shape, b.meta.shape];
  const [left, right] = contractedAxes(sa, sb, axes);
  left.forEach((ax, i) => {
    if (sa[ax] !== sb[right[i]!]) {
      throw new ShapeError(
        `tensordot: axis ${ax} of the left ${shapeStr(sa)} has extent ${sa[ax]} but axis ${right[i]} of the right ` +
          `${shapeStr(sb)} has ${sb[right[i]!]}; contracted axes must have equal extents.`,
      );
    }
  });
  const freeA = [...sa.keys()].filter((ax) => !left.includes(ax));
  const freeB = [...sb.keys()].filter((ax) => !right.includes(ax));
  const k = sizeOf(left.map((ax) => sa[ax]!));
  const a2 = reshapeNode(transposeNode(a, [...freeA, ...left]), [sizeOf(freeA.map((ax) => sa[ax]!)), k]);
  const b2 = reshapeNode(transposeNode(b, [...right, ...freeB]), [k, sizeOf(freeB.map((ax) => sb[ax]!))]);
  return reshapeNode(matmulNode(a2, b2), [...freeA.map((ax) => sa[ax]!), ...freeB.map((ax) => sb[ax]!)]);
}

/**
 * NumPy's `dot`: the matrix product for 1-D and 2-D operands; above 2-D, the sum over the last axis of
 * the left and the second-to-last of the right (every batch of one with every batch of the other,
 * unlike matmul, which pairs batches).
 */
export function dotNode(a: TensorNode, b: TensorNode): TensorNode {
  const [ra, rb] = [a.meta.shape.length, b.meta.shape.length];
  if (ra <= 2 && rb <= 2) return matmulNode(a, b);
  if (ra === 0 || rb === 0) {
    throw new ShapeError(`dot does not take 0-D tensors, got shapes ${shapeStr(a.meta.shape)} and ${shapeStr(b.meta.shape)}: multiply by a scalar with mul.`);
  }
  if (a.meta.shape[ra - 1] !== b.meta.shape[Math.max(0, rb - 2)]) {
    throw new ShapeError(
      `dot: shapes ${shapeStr(a.meta.shape)} and ${shapeStr(b.meta.shape)} are not aligned: ${a.meta.shape[ra - 1]} (last axis of the left) != ` +
        `${b.meta.shape[Math.max(0, rb - 2)]} (${rb === 1 ? 'the only axis' : 'second-to-last axis'} of the right).`,
    );
  }
  return tensordotNode(a, b, [[ra - 1], [Math.max(0, rb - 2)]]);
}
