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

/**
 * An input read in place through strides instead of as a contiguous chunk: a basic slice of a stored
 * chunk fused into its consumer (ops/tensor/fuse.ts), so the slice is never copied out. `shape` is the
 * slice's shape, `strides` its element strides in the source chunk per axis, `offset` its first element.
 */
export interface InputView {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

type Viewed = ArrayData & { readonly view?: InputView };

/** The inputs as the loop reads them: a viewed one keeps the source's data with the view's shape. */
export function viewedInputs(inputs: readonly unknown[], views: readonly (InputView | null)[] | undefined): readonly ArrayData[] {
  if (!views) return inputs as readonly ArrayData[];
  return inputs.map((x, i) => {
    const v = views[i];
    if (!v) return x as ArrayData;
    const a = x as ArrayData;
    return { dtype: a.dtype, shape: v.shape, data: a.data, view: v } satisfies Viewed;
  });
}

/** A `tensor.slice` chunk's params: per input axis its first index, step (negative: reversed) and count, and its output shape. */
export interface SliceParams {
  readonly starts: readonly number[];
  readonly steps: readonly number[];
  readonly sliced: readonly number[];
  readonly shape: readonly number[];
}

/**
 * The view of a `tensor.slice` chunk over its input chunk of shape `inShape` (the slice kernel's
 * params: per input axis its start, step and count; `shape` the output shape, which differs from the
 * counts only by axes of extent 1 — integer indices dropped, new axes added).
 */
export function sliceView(p: SliceParams, inShape: readonly number[]): InputView {
  const own = stridesOf(inShape);
  let offset = 0;
  for (let a = 0; a < p.starts.length; a++) offset += p.starts[a]! * own[a]!;
  // Output axes of extent > 1 take the input axes of count > 1 in order; axes of extent 1 never move.
  const strides: number[] = [];
  let a = 0;
  for (const e of p.shape) {
    if (e === 1) {
      strides.push(0);
      continue;
    }
    while (a < p.sliced.length && p.sliced[a] === 1) a++;
    strides.push(a < p.sliced.length ? p.steps[a]! * own[a]! : 0);
    a++;
  }
  return { shape: [...p.shape], strides, offset };
}

/** Element strides of a view read over `loop` (right-aligned, 0 where broadcast). */
function viewStrides(v: InputView, loop: readonly number[]): number[] {
  const off = loop.length - v.shape.length;
  return loop.map((ext, d) => {
    const i = d - off;
    if (i < 0) return 0;
    return v.shape[i] === 1 && ext !== 1 ? 0 : v.strides[i]!;
  });
}

export interface InputPlan {
  /** Every input is the whole contiguous chunk or a single value: one flat counter serves them all. */
  readonly flat: boolean;
  /** Access codes for the flat loop and for the nd loop (see codegen's `LoopSpec.access`). */
  readonly flatAccess: string;
  readonly ndAccess: string;
  /** Per input: its element strides over the loop shape, then the element it starts at. */
  readonly strides: number[][];
  /** The loop shape, at least 1-d so the generated loop always has an inner axis. */
  readonly shape: number[];
}

export function planInputs(inputs: readonly ArrayData[], loop: readonly number[]): InputPlan {
  const shape = loop.length === 0 ? [1] : [...loop];
  const n = sizeOf(shape);
  const viewOf = (x: ArrayData): InputView | undefined => (x as Viewed).view;
  const flat = inputs.every((x) => !viewOf(x) && (x.data.length === 1 || x.data.length === n));
  const strides = inputs.map((x) => {
    const v = viewOf(x);
    return v ? [...viewStrides(v, shape), v.offset] : [...broadcastStrides(x.shape.length === 0 ? [1] : x.shape, shape), 0];
  });
  const code = (x: ArrayData, i: number, inFlat: boolean): string => {
    const inner = strides[i]![shape.length - 1]!;
    if (viewOf(x)) return inner === 0 ? '0' : inner === 1 ? '1' : 'k';
    return x.data.length === 1 ? 's' : inFlat || inner !== 0 ? '1' : '0';
  };
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
