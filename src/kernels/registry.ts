/**
 * The kernel registry: pure functions `(inputs, params) => output` over chunk values, registered by
 * name. Tasks cross threads as plain data naming a kernel, so this registry is the whole vocabulary a
 * worker understands; a worker loads `kernels/index.ts`, which registers every kernel module.
 */
import { TesseraError } from '../base/errors.js';

export type Kernel = (inputs: readonly unknown[], params: never) => unknown;

const kernels = new Map<string, Kernel>();

export function registerKernel<P>(name: string, fn: (inputs: readonly unknown[], params: P) => unknown): void {
  if (kernels.has(name)) throw new Error(`Kernel ${name} is registered twice.`);
  kernels.set(name, fn as Kernel);
}

export class UnknownKernelError extends TesseraError {
  constructor(name: string) {
    super('UnknownKernel', `No kernel named '${name}' is registered; the worker and the session run different builds.`);
  }
}

export function getKernel(name: string): Kernel {
  const k = kernels.get(name);
  if (!k) throw new UnknownKernelError(name);
  return k;
}

export function hasKernel(name: string): boolean {
  return kernels.has(name);
}
