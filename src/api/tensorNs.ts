/**
 * The `tensor` namespace (`import { tensor as tt } from 'tessera'`): creation functions, random draws
 * with a build-time seed, and NumPy-style free functions over tensors and scalars.
 */
import { optionsObject } from '../base/args.js';
import type { DType } from '../base/dtypes.js';
import { InvalidArgumentError } from '../base/errors.js';
import type { UnaryOp } from '../base/expr.js';
import { show } from '../base/show.js';
import {
  arangeNode, binaryNode, type ChunkSize, concatenateNode, type CreateOptions, eyeNode, fromDataNode, fullNode,
  linspaceNode, randomNode, type ReduceOptions, type TensordotAxes, whereNode,
} from '../ops/tensor/index.js';
import { operand, requireTensor, Tensor, type TensorLike } from './tensor.js';

export { Tensor, type TensorLike } from './tensor.js';
export type { ChunkSize, CreateOptions, ReduceOptions, TensordotAxes };

/** Option names of the creation functions, for the unknown-key check. */
const CREATE = ['dtype', 'chunkSize'];
const RANDOM = [...CREATE, 'seed'];

/** A tensor from nested arrays, a typed array (reshaped by `shape`), or a scalar. */
export function array(data: unknown, options?: CreateOptions & { readonly shape?: readonly number[] }): Tensor {
  return new Tensor(fromDataNode(data, optionsObject(options, 'tensor.array', [...CREATE, 'shape'])));
}
export const fromArray = array;

export function zeros(shape: readonly number[] | number, options?: CreateOptions): Tensor {
  return new Tensor(fullNode(shape, 0, optionsObject(options, 'tensor.zeros', CREATE)));
}
export function ones(shape: readonly number[] | number, options?: CreateOptions): Tensor {
  return new Tensor(fullNode(shape, 1, optionsObject(options, 'tensor.ones', CREATE)));
}
export function full(shape: readonly number[] | number, value: number | boolean, options?: CreateOptions): Tensor {
  return new Tensor(fullNode(shape, value, optionsObject(options, 'tensor.full', CREATE)));
}
/** `arange(stop)`, `arange(start, stop)`, `arange(start, stop, step)` — NumPy's half-open range. */
export function arange(start: number, stop?: number, step?: number, options?: CreateOptions): Tensor {
  return new Tensor(arangeNode(start, stop, step, optionsObject(options, 'tensor.arange', CREATE)));
}
export function linspace(start: number, stop: number, num = 50, options?: CreateOptions & { readonly endpoint?: boolean }): Tensor {
  return new Tensor(linspaceNode(start, stop, num, optionsObject(options, 'tensor.linspace', [...CREATE, 'endpoint'])));
}
export function eye(n: number, m?: number, options?: CreateOptions & { readonly k?: number }): Tensor {
  const o = optionsObject(options, 'tensor.eye', [...CREATE, 'k']);
  return new Tensor(eyeNode(n, m, o.k ?? 0, o));
}

export interface RandomOptions extends CreateOptions {
  /** Fixed at build time; drawn at random when omitted (then every call gives a new tensor). */
  readonly seed?: number;
}

export const random = {
  /** Uniform in [0, 1). */
  rand(shape: readonly number[] | number, options?: RandomOptions): Tensor {
    return new Tensor(randomNode('uniform', shape, optionsObject(options, 'tensor.random.rand', RANDOM)));
  },
  /** Standard normal. */
  randn(shape: readonly number[] | number, options?: RandomOptions): Tensor {
    return new Tensor(randomNode('normal', shape, optionsObject(options, 'tensor.random.randn', RANDOM)));
  },
  /** Integers in [low, high). */
  randint(low: number, high: number, shape: readonly number[] | number, options?: RandomOptions): Tensor {
    return new Tensor(randomNode('integers', shape, { ...optionsObject(options, 'tensor.random.randint', RANDOM), low, high }));
  },
};

export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  return new Tensor(whereNode(operand(cond), operand(a), operand(b)));
}
export function clip(a: Tensor, min: TensorLike | null, max: TensorLike | null): Tensor {
  return requireTensor(a, 'tensor.clip').clip(min, max);
}
export function concatenate(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors)) throw new InvalidArgumentError(`tensor.concatenate takes an array of tensors, got ${show(tensors)}.`);
  return new Tensor(concatenateNode(tensors.map((t, i) => requireTensor(t, `tensor.concatenate (item ${i})`).planNode()), axis));
}
export function matmul(a: Tensor, b: Tensor): Tensor {
  return requireTensor(a, 'tensor.matmul').matmul(b);
}
/** NumPy's `dot`: matmul up to 2-D; above, the sum over a's last axis and b's second-to-last. */
export function dot(a: Tensor, b: Tensor): Tensor {
  return requireTensor(a, 'tensor.dot').dot(b);
}
/** NumPy's `tensordot`: `axes` is n (a's last n axes with b's first n) or a pair of axis lists. */
export function tensordot(a: Tensor, b: Tensor, axes?: TensordotAxes): Tensor {
  return requireTensor(a, 'tensor.tensordot').tensordot(b, axes);
}
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return new Tensor(binaryNode('maximum', operand(a), operand(b)));
}
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return new Tensor(binaryNode('minimum', operand(a), operand(b)));
}
export function astype(a: Tensor, dtype: DType): Tensor {
  return requireTensor(a, 'tensor.astype').astype(dtype);
}

const unary = (op: UnaryOp) => (a: Tensor): Tensor => requireTensor(a, `tensor.${op}`).apply(op);
export const sqrt = unary('sqrt');
export const exp = unary('exp');
export const log = unary('log');
export const abs = unary('abs');
export const sin = unary('sin');
export const cos = unary('cos');
export const tanh = unary('tanh');
export const floor = unary('floor');
export const ceil = unary('ceil');
export const round = unary('round');
export const isnan = unary('isnan');

export const sum = (a: Tensor, o?: ReduceOptions): Tensor => requireTensor(a, 'tensor.sum').sum(o);
export const mean = (a: Tensor, o?: ReduceOptions): Tensor => requireTensor(a, 'tensor.mean').mean(o);
export const std = (a: Tensor, o?: ReduceOptions): Tensor => requireTensor(a, 'tensor.std').std(o);
export const min = (a: Tensor, o?: ReduceOptions): Tensor => requireTensor(a, 'tensor.min').min(o);
export const max = (a: Tensor, o?: ReduceOptions): Tensor => requireTensor(a, 'tensor.max').max(o);
