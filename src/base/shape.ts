/**
 * Shape arithmetic shared by every layer: sizes, C-order strides, NumPy broadcasting and axis
 * normalisation. All checks raise typed errors that name the offending shape or axis.
 */
import { AxisError, InvalidArgumentError, ShapeError } from './errors.js';
import { show } from './show.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** C-order (row-major) element strides. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function checkShape(shape: unknown, what = 'shape'): number[] {
  const arr = typeof shape === 'number' ? [shape] : shape;
  if (!Array.isArray(arr)) {
    throw new InvalidArgumentError(`${what} must be an array of non-negative integers, got ${show(shape)}.`);
  }
  for (const d of arr) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new InvalidArgumentError(
        `${what} must be an array of non-negative integers, got ${show(shape)} (bad extent ${show(d)}).`,
      );
    }
  }
  return [...(arr as number[])];
}

export function shapeStr(shape: Shape): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** NumPy broadcasting of any number of shapes; a mismatch names every shape involved. */
export function broadcastShapes(...shapes: Shape[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    const off = ndim - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const o = out[off + i]!;
      // NaN is an extent not known until run (a filtered column's length): it matches any extent here,
      // and the elementwise tile checks the measured one (ops/tensor/elementwise.ts).
      if (d === o || d === 1) continue;
      if (Number.isNaN(d)) {
        if (o === 1) out[off + i] = d;
        continue;
      }
      if (o === 1 || Number.isNaN(o)) out[off + i] = d;
      else {
        throw new ShapeError(
          `Shapes ${shapes.map(shapeStr).join(' and ')} do not broadcast: axis ${off + i - ndim} has extents ` +
            `${o} and ${d}. Extents must be equal or 1 (NumPy broadcasting rules).`,
        );
      }
    }
  }
  return out;
}

export function normalizeAxis(axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new AxisError(
      `axis ${show(axis)} is out of bounds for an array of dimension ${ndim} (valid: ${-ndim}..${ndim - 1}).`,
    );
  }
  return axis < 0 ? axis + ndim : axis;
}

/** `undefined`/`null` means every axis; duplicates are an error. Result is sorted. */
export function normalizeAxes(axis: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  if (typeof axis !== 'number' && !Array.isArray(axis)) {
    throw new AxisError(`axis must be an integer, a list of integers or null, got ${show(axis)}.`);
  }
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(a, ndim));
  if (new Set(out).size !== out.length) throw new AxisError(`repeated axis in ${show(axis)}.`);
  return out.sort((a, b) => a - b);
}

