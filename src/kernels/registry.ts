/**
 * The kernel registry: pure functions `(inputs, params) => output` over chunk values, registered by
 * name. Tasks cross threads as plain data naming a kernel, so this registry is the whole vocabulary a
 * worker understands; a worker loads `kernels/index.ts`, which registers every kernel module.
 *
 * A *driver* kernel is the other kind: instead of computing its output in one call, it returns a
 * generator that yields step requests (a step name, shared-memory arguments, vertex ranges) and is
 * resumed with the steps' results until it returns the output (graph/parallel.ts). The executor runs
 * the driver between steps and sends each range to a worker as a `step` task, so one chunk uses the
 * whole pool; on the local executor the same driver runs its ranges in turn.
 */
import { TesseraError } from '../base/errors.js';
import type { StepRequest, StepResult } from '../graph/parallel.js';

export type { StepRequest, StepResult };

export interface DriverContext {
  /** How many ranges a request should be split into to keep every worker busy. */
  readonly parallelism: number;
}

export type DriverKernel = (
  inputs: readonly unknown[],
  params: never,
  ctx: DriverContext,
) => Generator<StepRequest, unknown, readonly StepResult[]>;

/** The kernel that runs one range of a step request (registered by kernels/graph). */
export const STEP_KERNEL = 'graph.step';

/**
 * How many workers a run of a driver wants, given its inputs and params and the workers there are
 * (1 to `workers`). A driver whose run is too small to share (a few milliseconds of work, where waking
 * a helper and meeting it at every step costs more than it saves) says 1: it then runs alone.
 */
export type DriverMembers<P> = (inputs: readonly unknown[], params: P, workers: number) => number;

/**
 * Whether a run of a driver is so small that it runs best on the thread that schedules it, whole, with
 * no worker at all: its work is about what a round trip through a worker costs.
 */
export type DriverInPlace<P> = (inputs: readonly unknown[], params: P) => boolean;

const drivers = new Map<string, DriverKernel>();
const driverMembers = new Map<string, DriverMembers<never>>();
const driverInPlace = new Map<string, DriverInPlace<never>>();

export function registerDriver<P>(
  name: string,
  fn: (inputs: readonly unknown[], params: P, ctx: DriverContext) => Generator<StepRequest, unknown, readonly StepResult[]>,
  options: { readonly members?: DriverMembers<P>; readonly inPlace?: DriverInPlace<P> } = {},
): void {
  if (drivers.has(name) || kernels.has(name)) throw new Error(`Kernel ${name} is registered twice.`);
  drivers.set(name, fn as DriverKernel);
  if (options.members) driverMembers.set(name, options.members as DriverMembers<never>);
  if (options.inPlace) driverInPlace.set(name, options.inPlace as DriverInPlace<never>);
}

/** Whether a run of driver `name` on these inputs runs on the scheduling thread (its `inPlace` says so). */
export function driverRunsInPlace(name: string, inputs: readonly unknown[], params: unknown): boolean {
  return driverInPlace.get(name)?.(inputs, params as never) === true;
}

export function getDriver(name: string): DriverKernel | undefined {
  return drivers.get(name);
}

/** How many of `workers` a run of driver `name` on these inputs should use (all, unless its `members` says fewer). */
export function membersFor(name: string, inputs: readonly unknown[], params: unknown, workers: number): number {
  const members = driverMembers.get(name);
  if (!members || workers <= 1) return workers;
  const wanted = members(inputs, params as never, workers);
  return Number.isInteger(wanted) ? Math.max(1, Math.min(workers, wanted)) : workers;
}

export type Kernel = (inputs: readonly unknown[], params: never) => unknown;

const kernels = new Map<string, Kernel>();

export function registerKernel<P>(name: string, fn: (inputs: readonly unknown[], params: P) => unknown): void {
  if (kernels.has(name) || drivers.has(name)) throw new Error(`Kernel ${name} is registered twice.`);
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

/**
 * Kernels that read some inputs in place from their WebAssembly memories (base/wasmMemory.ts), and for
 * which params. Only their tasks carry their inputs' memories to another thread: a memory is dear to
 * send — deserialising one cost a 25-task fused sum of 50M elements ~3 ms a run (8%) — and a kernel
 * that reads its inputs with JavaScript has no use for it.
 */
const inPlaceReaders = new Map<string, (params: unknown) => boolean>();

export function registerInPlaceReader<P>(name: string, when: (params: P) => boolean): void {
  inPlaceReaders.set(name, when as (params: unknown) => boolean);
}

export function readsInPlace(name: string, params: unknown): boolean {
  return inPlaceReaders.get(name)?.(params) === true;
}
