/**
 * A chained task: producers whose outputs only one consumer reads run in the consumer's task, on the
 * same thread, and their outputs never reach the store (ops/tensor/chain.ts decides which). What they
 * allocate comes from this thread's scratch pool (base/scratchPool.ts) and goes back to it once the
 * consumer has run — `tt.random.rand([25e6]).sum()` then draws each chunk into memory an earlier chunk
 * used, instead of touching 200 MB of fresh pages — except any buffer the consumer's output still
 * reaches (a consumer may return a view of its input).
 */
import { buffersIn, recycle, trackAllocations } from '../base/scratchPool.js';
import { TesseraError } from '../base/errors.js';
import { getKernel, registerKernel } from './registry.js';
import { isThenable } from './task.js';

export const CHAIN_KERNEL = 'chain';

/** A producer run inside the chain on the chain's inputs `from .. from + count - 1`. */
export interface ChainedProducer {
  readonly kernel: string;
  readonly params: unknown;
  readonly from: number;
  readonly count: number;
  /** Elements of its output: the chained task's work that its own output and inputs do not show. */
  readonly elements: number;
}

export interface ChainParams {
  readonly consumer: { readonly kernel: string; readonly params: unknown };
  /** Per consumer argument: the index of a chain input, or a producer that makes it. */
  readonly args: readonly (number | ChainedProducer)[];
}

/** Elements a chained task's producers make, for executors that size tasks by elements (0 for any other kernel). */
export function chainedElements(kernel: string | null, params: unknown): number {
  if (kernel !== CHAIN_KERNEL) return 0;
  let elements = 0;
  for (const arg of (params as ChainParams).args) if (typeof arg !== 'number') elements += arg.elements;
  return elements;
}

registerKernel(CHAIN_KERNEL, (inputs, p: ChainParams) => {
  const produced = trackAllocations(() =>
    p.args.map((arg) => {
      if (typeof arg === 'number') return inputs[arg];
      const value = getKernel(arg.kernel)(inputs.slice(arg.from, arg.from + arg.count), arg.params as never);
      // Only synchronous kernels are chained (ops/tensor/chain.ts): an awaited one would let other work allocate meanwhile.
      if (isThenable(value)) throw new TesseraError('InternalError', `Kernel ${arg.kernel} returned a promise inside a chained task; only synchronous kernels can be chained.`);
      return value;
    }),
  );
  const value = getKernel(p.consumer.kernel)(produced.value, p.consumer.params as never);
  if (isThenable(value)) {
    return Promise.resolve(value).then((v) => {
      recycle(produced.buffers, buffersIn(v));
      return v;
    });
  }
  recycle(produced.buffers, buffersIn(value));
  return value;
});
