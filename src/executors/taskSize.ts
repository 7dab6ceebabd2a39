/**
 * How much work a chunk task is, for the executors' scheduling decisions: which tasks are tiny enough
 * to run on the scheduling thread itself (threads: the calling thread; distributed: the driver), and
 * how many light tasks share a message or a job. One rule for both executors.
 */
import { isDType, itemSize } from '../base/dtypes.js';
import type { ChunkGraph } from '../dag/chunkGraph.js';
import { chainedElements } from '../kernels/chain.js';

/** Tensor tasks reading and making fewer elements than this run where they are scheduled: a round trip would cost more. */
export const TINY_TASK_ELEMENTS = 4096;

/** Elements of a stored value (an array's data, a reduction partial's accumulator); `otherwise` when it has neither. */
function valueElements(v: unknown, otherwise: number): number {
  if (typeof v !== 'object' || v === null) return 0;
  const d = (v as { data?: { length?: number }; acc?: { length?: number } }).data ?? (v as { acc?: { length?: number } }).acc;
  return typeof d?.length === 'number' ? d.length : otherwise;
}

/**
 * Elements task `i` reads of its `k`-th input `value`: a view's when the task reads that input through
 * one (a slice read in place, kernels/tensor/layout.ts), else the whole value's. Three elements of a
 * 2M-element chunk are a tiny read: `x.slice('0:3, 0:3').sum()` ran 0.34 ms inline and 0.78 ms through
 * the pool when its input counted whole.
 */
export function readElements(graph: ChunkGraph, i: number, k: number, value: unknown, otherwise: number): number {
  const view = (graph.params[i] as { views?: readonly ({ readonly shape: readonly number[] } | null)[] } | null)?.views?.[k];
  return view ? view.shape.reduce((a, b) => a * b, 1) : valueElements(value, otherwise);
}

/** Elements of a chunk's output, from its meta (0 when the meta has no shape). */
export function outputElements(meta: unknown): number {
  const shape = (meta as { shape?: readonly number[] } | null)?.shape;
  return shape ? shape.reduce((a, b) => a * b, 1) : 0;
}

/** Bytes a chunk's output will take, from its meta (0 when the meta does not say). */
export function outputBytes(meta: unknown): number {
  const dtype = (meta as { dtype?: unknown } | null)?.dtype;
  if (dtype === undefined) return outputElements(meta) * 8;
  return outputElements(meta) * (isDType(dtype) ? itemSize(dtype) : 1);
}

/** Elements task `i` makes: its output and, for a chained task, its producers' outputs (kernels/chain.ts). */
export function madeElements(graph: ChunkGraph, i: number): number {
  return outputElements(graph.metas[i]) + chainedElements(graph.kernels[i] ?? null, graph.params[i]);
}

/**
 * Whether task `i`'s work is about the elements it reads and makes: not a product's (a 250x250 `matmul`
 * reads and makes 187,500 elements for 15.6M multiply-adds).
 */
export function workIsElements(graph: ChunkGraph, i: number): boolean {
  return graph.kernels[i] !== 'tensor.matmul';
}

/**
 * Whether task `i` may run on the scheduling thread at all: a tensor kernel with a known shape and no
 * user function (a bad one could take that thread, and every session on it, down).
 */
export function safeToRunInPlace(graph: ChunkGraph, i: number): boolean {
  if (!graph.kernels[i]!.startsWith('tensor.')) return false;
  if (!(graph.metas[i] as { shape?: unknown } | null)?.shape) return false;
  const p = graph.params[i] as { fns?: unknown; fn?: unknown } | null;
  return !(p && (p.fns !== undefined || p.fn !== undefined));
}
