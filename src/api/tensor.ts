/**
 * `Tensor`: the handle of a chunked n-dimensional array. Every method builds a new node (shapes,
 * dtypes and chunk grids are checked right here, at the caller's line) and returns a new handle;
 * nothing runs until the session runs it — at once in an eager session, when asked in a lazy one.
 */
import type { DType, TypedArray } from '../base/dtypes.js';
import { optionsObject } from '../base/args.js';
import { InvalidArgumentError } from '../base/errors.js';
import type { BinaryOp, UnaryOp } from '../base/expr.js';
import type { NdArray } from '../base/ndarray.js';
import { show } from '../base/show.js';
import {
  binaryNode, castNode, clipNode, dotNode, fromDataNode, mapNode, matmulNode, normalizeChunks, type Operand, reduceNode,
  type ReduceOptions, rechunkNode, reshapeNode, sliceNode, type IndexSpec, type TensorNode, transposeNode, unaryNode,
  type ChunkSize, tensordotNode, type TensordotAxes, userReduceNode,
} from '../ops/tensor/index.js';
import { pureFunctionSource } from '../ops/purity.js';
import { checkInto } from '../ops/tensor/into.js';
import { withMeta } from '../dag/nodes.js';
import { Handle, type FetchOptions } from './handle.js';

type ReduceOp = Parameters<typeof reduceNode>[0];

export type TensorLike = Tensor | number | boolean | readonly unknown[] | ArrayBufferView;

export function operand(x: TensorLike): Operand {
  if (x instanceof Tensor) return x.planNode();
  if (typeof x === 'number' || typeof x === 'boolean') return x;
  return fromDataNode(x);
}

/** `x` itself when it is a Tensor; anything else is refused, naming `where`. */
export function requireTensor(x: unknown, where: string): Tensor {
  if (x instanceof Tensor) return x;
  throw new InvalidArgumentError(`${where} needs a Tensor, got ${show(x)}: make one with tensor.array(...).`);
}

export class Tensor extends Handle<TensorNode> {
  /** `node` with its measured shape, once a run measured a length its build did not know. */
  #known: TensorNode | undefined;

  /**
   * The shape; a length not known when built (`NaN`: a column of a filtered frame, `toTensor()`) is the
   * measured one once this handle has run, as in Mars.
   */
  get shape(): readonly number[] {
    return this.planNode().meta.shape;
  }

  /**
   * The node new handles are built from: `node`, or — once a run measured the extents it did not know —
   * a twin of it (same key) whose meta carries them, so ops that need a shape (slice, reshape) take it.
   * @internal
   */
  planNode(): TensorNode {
    if (this.#known) return this.#known;
    const meta = this.node.meta;
    if (!meta.shape.some((e) => Number.isNaN(e))) return this.node;
    const tiled = this.measuredTiling();
    if (!tiled || tiled.nsplits.length !== meta.shape.length) return this.node;
    const nsplits = tiled.nsplits.map((s) => [...s]);
    this.#known = withMeta(this.node, { ...meta, shape: nsplits.map((s) => s.reduce((a, b) => a + b, 0)), nsplits });
    return this.#known;
  }
  get dtype(): DType {
    return this.node.meta.dtype;
  }
  get ndim(): number {
    return this.node.meta.shape.length;
  }
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  /** Chunk extents along every axis (measured, as `shape`, where the build did not know them). */
  get nsplits(): readonly (readonly number[])[] {
    return this.planNode().meta.nsplits;
  }

  /**
   * The data as one NdArray; with `batchSize`, an async iterator of row batches instead. With `into` (a
   * typed array of the dtype's kind and the result's length, e.g. a Float64Array for float64 and
   * int64), the data is written there and the NdArray's `data` is `into`: a caller fetching results of
   * one size again and again reuses one buffer instead of faulting in a fresh one each time.
   */
  fetch(options?: FetchOptions & { readonly into?: TypedArray }): Promise<NdArray>;
  fetch(options: FetchOptions & { readonly batchSize: number }): AsyncIterableIterator<NdArray>;
  fetch(options?: FetchOptions & { readonly batchSize?: number; readonly into?: TypedArray }): Promise<NdArray> | AsyncIterableIterator<NdArray> {
    const { batchSize, into, ...rest } = optionsObject(options, 'fetch', ['session', 'batchSize', 'into']);
    if (batchSize !== undefined && into !== undefined) throw new InvalidArgumentError('fetch: into and batchSize cannot be combined; fetch each batch into an array of its own length.');
    if (batchSize !== undefined) return this.#batches(batchSize, rest);
    if (into === undefined) return this.fetchValue(rest) as Promise<NdArray>;
    return this.fetchValue(rest, checkInto(into, this.dtype, this.size)) as Promise<NdArray>;
  }

  async *#batches(batchSize: number, options: FetchOptions): AsyncIterableIterator<NdArray> {
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new InvalidArgumentError(`batchSize must be a positive integer, got ${show(batchSize)}.`);
    }
    if (this.ndim === 0) {
      yield await this.fetch(options);
      return;
    }
    // A length unknown when built (a filtered column) is told by the result; slices then see it measured.
    const rows = Number.isNaN(this.shape[0]) ? (await this.fetch(options)).shape[0]! : this.shape[0]!;
    for (let start = 0; start < rows; start += batchSize) {
      yield await new Tensor(sliceNode(this.planNode(), [{ start, stop: start + batchSize }])).fetch(options);
    }
  }

  #bin(op: BinaryOp, other: TensorLike): Tensor {
    return new Tensor(binaryNode(op, this.planNode(), operand(other)));
  }
  #un(op: UnaryOp): Tensor {
    return new Tensor(unaryNode(op, this.planNode()));
  }

  add(o: TensorLike): Tensor { return this.#bin('add', o); }
  sub(o: TensorLike): Tensor { return this.#bin('sub', o); }
  mul(o: TensorLike): Tensor { return this.#bin('mul', o); }
  div(o: TensorLike): Tensor { return this.#bin('div', o); }
  floorDiv(o: TensorLike): Tensor { return this.#bin('floordiv', o); }
  mod(o: TensorLike): Tensor { return this.#bin('mod', o); }
  pow(o: TensorLike): Tensor { return this.#bin('pow', o); }
  maximum(o: TensorLike): Tensor { return this.#bin('maximum', o); }
  minimum(o: TensorLike): Tensor { return this.#bin('minimum', o); }
  eq(o: TensorLike): Tensor { return this.#bin('eq', o); }
  ne(o: TensorLike): Tensor { return this.#bin('ne', o); }
  lt(o: TensorLike): Tensor { return this.#bin('lt', o); }
  le(o: TensorLike): Tensor { return this.#bin('le', o); }
  gt(o: TensorLike): Tensor { return this.#bin('gt', o); }
  ge(o: TensorLike): Tensor { return this.#bin('ge', o); }
  and(o: TensorLike): Tensor { return this.#bin('and', o); }
  or(o: TensorLike): Tensor { return this.#bin('or', o); }
  xor(o: TensorLike): Tensor { return this.#bin('xor', o); }

  neg(): Tensor { return this.#un('neg'); }
  abs(): Tensor { return this.#un('abs'); }
  sqrt(): Tensor { return this.#un('sqrt'); }
  exp(): Tensor { return this.#un('exp'); }
  log(): Tensor { return this.#un('log'); }
  square(): Tensor { return this.#un('square'); }
  round(): Tensor { return this.#un('round'); }
  floor(): Tensor { return this.#un('floor'); }
  ceil(): Tensor { return this.#un('ceil'); }
  not(): Tensor { return this.#un('not'); }
  isnan(): Tensor { return this.#un('isnan'); }
  /** Any unary math function by name (`'sin'`, `'log1p'`, ...); an unknown name is refused here, listing the known ones. */
  apply(op: UnaryOp): Tensor { return this.#un(op); }

  clip(min: TensorLike | null, max: TensorLike | null): Tensor {
    return new Tensor(clipNode(this.planNode(), min === null ? null : operand(min), max === null ? null : operand(max)));
  }
  astype(dtype: DType): Tensor {
    return new Tensor(castNode(this.planNode(), dtype));
  }

  #reduce(op: ReduceOp, name: string, o: ReduceOptions | undefined): Tensor {
    const known = op === 'var' || op === 'std' ? ['axis', 'keepdims', 'ddof'] : ['axis', 'keepdims'];
    return new Tensor(reduceNode(op, this.planNode(), optionsObject(o, name, known)));
  }

  sum(o?: ReduceOptions): Tensor { return this.#reduce('sum', 'sum', o); }
  prod(o?: ReduceOptions): Tensor { return this.#reduce('prod', 'prod', o); }
  mean(o?: ReduceOptions): Tensor { return this.#reduce('mean', 'mean', o); }
  min(o?: ReduceOptions): Tensor { return this.#reduce('min', 'min', o); }
  max(o?: ReduceOptions): Tensor { return this.#reduce('max', 'max', o); }
  std(o?: ReduceOptions): Tensor { return this.#reduce('std', 'std', o); }
  var(o?: ReduceOptions): Tensor { return this.#reduce('var', 'var', o); }
  any(o?: ReduceOptions): Tensor { return this.#reduce('any', 'any', o); }
  all(o?: ReduceOptions): Tensor { return this.#reduce('all', 'all', o); }
  countNonzero(o?: ReduceOptions): Tensor { return this.#reduce('count_nonzero', 'countNonzero', o); }
  argmin(o?: Pick<ReduceOptions, 'axis' | 'keepdims'>): Tensor { return this.#reduce('argmin', 'argmin', o); }
  argmax(o?: Pick<ReduceOptions, 'axis' | 'keepdims'>): Tensor { return this.#reduce('argmax', 'argmax', o); }

  /**
   * Applies a pure function to every element (it runs in worker threads from its source text). It must
   * return a number or a boolean (stored as 1/0); any other result fails the run with UserFunctionError.
   */
  map(fn: (x: number) => number | boolean, options?: { readonly dtype?: DType }): Tensor {
    return new Tensor(mapNode(this.planNode(), pureFunctionSource(fn, 'map'), optionsObject(options, 'map', ['dtype']).dtype));
  }
  /** Folds every element with a pure, associative function (chunks fold in parallel, then their results). */
  reduce(fn: (acc: number, x: number) => number, initial?: number): Tensor {
    return new Tensor(userReduceNode(this.planNode(), pureFunctionSource(fn, 'reduce'), initial));
  }

  reshape(...shape: (number | readonly number[])[]): Tensor {
    const s = shape.length === 1 && Array.isArray(shape[0]) ? (shape[0] as readonly number[]) : (shape as number[]);
    return new Tensor(reshapeNode(this.planNode(), s));
  }
  transpose(axes?: readonly number[]): Tensor {
    return new Tensor(transposeNode(this.planNode(), axes));
  }
  get T(): Tensor {
    return this.transpose();
  }
  /**
   * NumPy basic indexing, one argument per axis: an integer (drops the axis), a slice object
   * `{start, stop, step}` or `'start:stop:step'` string, `null`/`':'` (whole axis), `'...'`, `'newaxis'`;
   * a string may hold several parts: `t.slice(0, {start: 1, stop: 5})`, `t.slice(':2, 3:9')`,
   * `t.slice({step: 2}, '...')`. Arrays are refused (in NumPy they would gather); spread an index held in
   * an array: `t.slice(...index)`. Anything else is a `SliceError` here, before anything runs.
   */
  slice(...index: IndexSpec[]): Tensor {
    return new Tensor(sliceNode(this.planNode(), index));
  }
  rechunk(chunkSize: ChunkSize): Tensor {
    return new Tensor(rechunkNode(this.planNode(), normalizeChunks(this.shape, this.dtype, chunkSize)));
  }
  matmul(o: Tensor): Tensor {
    return new Tensor(matmulNode(this.planNode(), requireTensor(o, 'matmul').planNode()));
  }
  /** NumPy's `dot`: matmul up to 2-D; above, the sum over this tensor's last axis and `o`'s second-to-last. */
  dot(o: Tensor): Tensor {
    return new Tensor(dotNode(this.planNode(), requireTensor(o, 'dot').planNode()));
  }
  /** NumPy's `tensordot`: `axes` is n (this tensor's last n axes with `o`'s first n) or a pair of axis lists. */
  tensordot(o: Tensor, axes: TensordotAxes = 2): Tensor {
    return new Tensor(tensordotNode(this.planNode(), requireTensor(o, 'tensordot').planNode(), axes));
  }
}
