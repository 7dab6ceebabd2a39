/**
 * Index arithmetic the tensor kernels share: how an input chunk is read when broadcast over a loop
 * shape (element strides, zero on broadcast axes), and which loop shape (flat or nd) a set of inputs
 * allows.
 */
import type { ArrayData } from '../../base/ndarray.js';
import { sizeOf, stridesOf } from '../../base/shape.js';

/** Element strides for reading `inShape` broadcast over `loop` (right-aligned, 0 where broadcast). */
export function broadcastStrides(inShape: readonly number[], loop: readonly number[]): number[] {
  const own = stridesOf(inShape);
  const off = loop.length - inShape.length;
  return loop.map((ext, d) => {
    const i = d - off;
    if (i < 0) return 0;
    return inShape[i] === 1 && ext !== 1 ? 0 : own[i]!;
  });
}

export interface InputPlan {
  /** Every input is the whole contiguous chunk or a single value: one flat counter serves them all. */
  readonly flat: boolean;
  /** Access codes for the flat loop and for the nd loop (see codegen's `LoopSpec.access`). */
  readonly flatAccess: string;
  readonly ndAccess: string;
  readonly strides: number[][];
  /** The loop shape, at least 1-d so the generated loop always has an inner axis. */
  readonly shape: number[];
}

export function planInputs(inputs: readonly ArrayData[], loop: readonly number[]): InputPlan {
  const shape = loop.length === 0 ? [1] : [...loop];
  const n = sizeOf(shape);
  const flat = inputs.every((x) => x.data.length === 1 || x.data.length === n);
  const strides = inputs.map((x) => broadcastStrides(x.shape.length === 0 ? [1] : x.shape, shape));
  const code = (x: ArrayData, i: number, inFlat: boolean): string =>
    x.data.length === 1 ? 's' : inFlat || strides[i]![shape.length - 1] !== 0 ? '1' : '0';
  return {
    flat,
    flatAccess: inputs.map((x, i) => code(x, i, true)).join(''),
    ndAccess: inputs.map((x, i) => code(x, i, false)).join(''),
    strides,
    shape,
  };
}

/** Output strides over the loop shape for a keepdims result: zero on the reduced axes. */
export function reducedStrides(shape: readonly number[], axes: readonly number[]): number[] {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const s = stridesOf(kept);
  return s.map((v, i) => (axes.includes(i) ? 0 : v));
}

export function keepdimsShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}
