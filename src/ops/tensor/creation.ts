/**
 * Tensor creation: constant fills, ranges, identity matrices, seeded random draws and user data.
 * Each builder validates its arguments and fixes everything that determines the values — including the
 * random seed, drawn here when the caller gives none — so the node's key names its content exactly.
 */
import { booleanOption } from '../../base/args.js';
import { type DType, checkDType, isInteger } from '../../base/dtypes.js';
import { InvalidArgumentError } from '../../base/errors.js';
import { toShared } from '../../base/ndarray.js';
import { checkShape, sizeOf } from '../../base/shape.js';
import { show } from '../../base/show.js';
import { makeTileable } from '../../dag/nodes.js';
import { chunkKey, registerOp, type TileContext, type Tiled } from '../op.js';
import { type ChunkSize, Grid, normalizeChunks, perShape, type TensorMeta, type TensorNode } from './meta.js';

export interface CreateOptions {
  readonly dtype?: DType;
  readonly chunkSize?: ChunkSize;
}

function tensorMeta(shape: readonly number[], dtype: DType, chunkSize?: ChunkSize): TensorMeta {
  return { type: 'tensor', shape: [...shape], dtype, nsplits: normalizeChunks(shape, dtype, chunkSize) };
}

function sourceNode(op: string, params: Record<string, unknown>, meta: TensorMeta): TensorNode {
  return makeTileable(op, { ...params, nsplits: meta.nsplits }, [], meta);
}

/** A source op tiles into one chunk per grid cell, with parameters from the cell's position and extent. */
function registerSource(
  name: string,
  perChunk: (node: TensorNode, start: number[], shape: number[], flat: number) => Record<string, unknown>,
): void {
  registerOp({
    name,
    tile(tileable, ctx: TileContext): Tiled {
      const node = tileable as TensorNode;
      const grid = new Grid(node.meta.nsplits);
      const metaFor = perShape((shape) => ({ shape, dtype: node.meta.dtype }));
      const chunks = grid.indices().map((index, flat) => {
        const shape = grid.shape(index);
        return ctx.add({
          key: chunkKey(node.key, index),
          kernel: name,
          params: { shape, dtype: node.meta.dtype, ...perChunk(node, grid.start(index), shape, flat) },
          inputs: [],
          meta: metaFor(shape),
        });
      });
      return { nsplits: node.meta.nsplits, chunks };
    },
  });
}

export function fullNode(shape: unknown, value: number | boolean, opts: CreateOptions = {}): TensorNode {
  const s = checkShape(shape);
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new InvalidArgumentError(`fill value must be a number or boolean, got ${typeof value}.`);
  }
  const dtype = opts.dtype ? checkDType(opts.dtype) : typeof value === 'boolean' ? 'bool' : 'float64';
  const v = Number(value);
  return sourceNode('tensor.full', { shape: s, value: v, dtype }, tensorMeta(s, dtype, opts.chunkSize));
}
registerSource('tensor.full', (n) => ({ value: n.params.value }));

export function arangeNode(start: number, stop: number | undefined, step: number | undefined, opts: CreateOptions = {}): TensorNode {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  const st = step ?? 1;
  for (const [name, v] of [['start', lo], ['stop', hi], ['step', st]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidArgumentError(`arange ${name} must be a finite number, got ${show(v)}.`);
    }
  }
  if (st === 0) throw new InvalidArgumentError('arange step must not be zero (it would never reach stop).');
  const n = Math.max(0, Math.ceil((hi - lo) / st));
  const allInt = [lo, hi, st].every(Number.isInteger);
  const dtype = opts.dtype ? checkDType(opts.dtype) : allInt ? 'int64' : 'float64';
  return sourceNode('tensor.arange', { start: lo, step: st, n, dtype }, tensorMeta([n], dtype, opts.chunkSize));
}
registerSource('tensor.arange', (n, start) => ({ start: n.params.start, step: n.params.step, offset: start[0] }));

export function linspaceNode(start: number, stop: number, num = 50, opts: CreateOptions & { readonly endpoint?: boolean } = {}): TensorNode {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) {
    throw new InvalidArgumentError(`linspace start and stop must be finite, got ${show(start)} and ${show(stop)}.`);
  }
  if (!Number.isInteger(num) || num < 0) throw new InvalidArgumentError(`linspace num must be a non-negative integer, got ${show(num)}.`);
  const endpoint = booleanOption(opts.endpoint, 'linspace endpoint', true);
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const dtype = opts.dtype ? checkDType(opts.dtype) : 'float64';
  const last = endpoint && num > 1 ? num - 1 : -1;
  return sourceNode('tensor.linspace', { start, stop, step, num, last, dtype }, tensorMeta([num], dtype, opts.chunkSize));
}
registerSource('tensor.linspace', (n, start) => ({
  start: n.params.start, stop: n.params.stop, step: n.params.step, last: n.params.last, offset: start[0],
}));

export function eyeNode(n: number, m?: number, k = 0, opts: CreateOptions = {}): TensorNode {
  const cols = m ?? n;
  for (const [name, v] of [['N', n], ['M', cols], ['k', k]] as const) {
    if (!Number.isInteger(v) || (name !== 'k' && v < 0)) {
      throw new InvalidArgumentError(`eye ${name} must be ${name === 'k' ? 'an integer' : 'a non-negative integer'}, got ${show(v)}.`);
    }
  }
  const dtype = opts.dtype ? checkDType(opts.dtype) : 'float64';
  return sourceNode('tensor.eye', { n, m: cols, k, dtype }, tensorMeta([n, cols], dtype, opts.chunkSize));
}
registerSource('tensor.eye', (n, start) => ({ rowOffset: start[0], colOffset: start[1], k: n.params.k }));

export type Distribution = 'uniform' | 'normal' | 'integers';

export function randomNode(
  dist: Distribution,
  shape: unknown,
  opts: CreateOptions & { readonly seed?: number; readonly low?: number; readonly high?: number } = {},
): TensorNode {
  const s = checkShape(shape);
  const seed = opts.seed ?? Math.floor(Math.random() * 0x100000000);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InvalidArgumentError(`seed must be an integer in [0, 2^32), got ${show(seed)}.`);
  }
  const dtype: DType = opts.dtype ? checkDType(opts.dtype) : dist === 'integers' ? 'int64' : 'float64';
  const params: Record<string, unknown> = { dist, shape: s, seed, dtype };
  if (dist === 'integers') {
    const { low = 0, high } = opts;
    if (high === undefined || !Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new InvalidArgumentError(`randint needs integers low < high, got low=${show(low)}, high=${show(high)}.`);
    }
    if (!isInteger(dtype)) throw new InvalidArgumentError(`randint needs an integer dtype, got ${dtype}.`);
    Object.assign(params, { low, high });
  }
  return sourceNode('tensor.random', params, tensorMeta(s, dtype, opts.chunkSize));
}
registerSource('tensor.random', (n, start) => ({
  dist: n.params.dist, seed: n.params.seed, start, fullShape: n.params.shape, low: n.params.low, high: n.params.high,
}));

type Nested = number | boolean | readonly Nested[];

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = (cur as readonly Nested[])[0] ?? 0;
  }
  return shape;
}

function flatten(data: Nested, shape: readonly number[], out: number[], depth = 0): void {
  if (depth === shape.length) {
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      throw new InvalidArgumentError(`array data must hold numbers or booleans, found ${Array.isArray(data) ? 'a nested array' : typeof data} at depth ${depth}.`);
    }
    out.push(Number(data));
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new InvalidArgumentError(`array data is ragged: expected ${shape[depth]} items at depth ${depth} (shape [${shape.join(', ')}]).`);
  }
  for (const x of data as readonly Nested[]) flatten(x, shape, out, depth + 1);
}

/** From nested arrays, a typed array (with an optional shape) or a scalar; the data is copied once into shared memory. */
export function fromDataNode(data: unknown, opts: CreateOptions & { readonly shape?: readonly number[] } = {}): TensorNode {
  let shape: number[];
  let dtype: DType;
  let flat: ArrayLike<number>;
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const arr = data as unknown as ArrayLike<number> & { constructor: { name: string } };
    if (typeof (arr as unknown as { [0]: unknown })[0] === 'bigint') {
      throw new InvalidArgumentError('BigInt64Array data is not supported for tensors: convert to Float64Array (int64 values up to 2^53 are exact).');
    }
    shape = opts.shape ? checkShape(opts.shape) : [arr.length];
    if (sizeOf(shape) !== arr.length) {
      throw new InvalidArgumentError(`shape [${shape.join(', ')}] needs ${sizeOf(shape)} elements, the data has ${arr.length}.`);
    }
    const byCtor: Record<string, DType> = {
      Float64Array: 'float64', Float32Array: 'float32', Int32Array: 'int32', Int16Array: 'int16', Int8Array: 'int8',
      Uint32Array: 'uint32', Uint16Array: 'uint16', Uint8Array: 'uint8', Uint8ClampedArray: 'uint8',
    };
    dtype = opts.dtype ? checkDType(opts.dtype) : byCtor[arr.constructor.name] ?? 'float64';
    flat = arr;
  } else {
    const nested = data as Nested;
    shape = inferShape(nested);
    const values: number[] = [];
    flatten(nested, shape, values);
    if (opts.shape) {
      const s = checkShape(opts.shape);
      if (sizeOf(s) !== values.length) {
        throw new InvalidArgumentError(`shape [${s.join(', ')}] needs ${sizeOf(s)} elements, the data has ${values.length}.`);
      }
      shape = s;
    }
    const bools = values.length > 0 && isAllBool(nested);
    dtype = opts.dtype ? checkDType(opts.dtype) : bools ? 'bool' : values.every(Number.isInteger) ? 'int64' : 'float64';
    flat = values;
  }
  const shared = toShared(dtype, flat);
  return sourceNode('tensor.from_data', { data: shared, shape, dtype }, tensorMeta(shape, dtype, opts.chunkSize));
}
registerSource('tensor.from_data', (n, start) => ({ data: n.params.data, fullShape: n.params.shape, start }));

function isAllBool(data: Nested): boolean {
  if (Array.isArray(data)) return (data as readonly Nested[]).every(isAllBool);
  return typeof data === 'boolean';
}
