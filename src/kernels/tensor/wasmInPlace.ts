/**
 * What the kernels that read a chunk where it lies (wasmExtreme.ts, wasmSum.ts) share: a module
 * importing a shared memory, compiled once per thread, and one instance of it per WebAssembly memory
 * (base/wasmMemory.ts), since an instance can read only the memory it was given.
 */
import { trailerId } from '../../base/recycledBuffers.js';
import { memoryOf } from '../../base/wasmMemory.js';
import { HEADER, name, section, uleb, vec } from './wasmAsm.js';

/** The import of the shared memory, of any size up to 4 GiB (flags 3: a maximum, shared), as `env.mem`. */
const MEMORY_IMPORT = [...name('env'), ...name('mem'), 0x02, 0x03, ...uleb(0), ...uleb(65536)];

/**
 * A module of functions of one type (`type`: its encoding, 0x60 params results) exported by name, each
 * with its body (`funcBody`), over the imported memory.
 */
export function inPlaceModule(type: readonly number[], functions: readonly (readonly [string, readonly number[]])[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...HEADER,
    ...section(1, vec([[...type]])),
    ...section(2, vec([MEMORY_IMPORT])),
    ...section(3, vec(functions.map(() => [0x00]))),
    ...section(7, vec(functions.map(([n], k) => [...name(n), 0x00, ...uleb(k)]))),
    ...section(10, vec(functions.map(([, body]) => [...body]))),
  ]);
}

let instantiations = 0;

/** Instances made so far on this thread (for tests: a memory met again as another object makes none). */
export function inPlaceInstantiations(): number {
  return instantiations;
}

/**
 * The exports of `bytes()` instantiated over the memory `data` lies in: undefined when it lies in none
 * this thread knows, or where WebAssembly SIMD is unavailable.
 *
 * A memory that reaches a worker with a task is a new `WebAssembly.Memory` object every time (a
 * structured clone), and instantiating took 0.45-0.65 ms (`.tmp` probe) — per task, for a chunk read run
 * after run. So an instance is also found by the buffer's recycling id (base/recycledBuffers.ts
 * `trailerId`: one per fill, the same in every clone): an instance made over an earlier clone of the same
 * memory reads the same shared bytes. Those are held weakly, so an instance (and the memory it holds)
 * lives no longer than something else keeps it.
 */
export function inPlaceKernels<T extends object>(bytes: () => Uint8Array<ArrayBuffer>): (data: ArrayBufferView) => T | undefined {
  /** Compiled on first use; null where the module does not validate (no SIMD). */
  let compiled: WebAssembly.Module | null | undefined;
  const instances = new WeakMap<WebAssembly.Memory, T>();
  const byFill = new Map<bigint, WeakRef<T>>();
  const forgotten = new FinalizationRegistry<bigint>((id) => {
    if (byFill.get(id)?.deref() === undefined) byFill.delete(id);
  });
  return (data) => {
    const memory = memoryOf(data.buffer);
    if (!memory) return undefined;
    let known = instances.get(memory);
    if (known) return known;
    const fill = trailerId(data.buffer);
    known = fill === undefined ? undefined : byFill.get(fill)?.deref();
    if (!known) {
      if (compiled === undefined) {
        const b = bytes();
        compiled = WebAssembly.validate(b) ? new WebAssembly.Module(b) : null;
      }
      if (compiled === null) return undefined;
      known = new WebAssembly.Instance(compiled, { env: { mem: memory } }).exports as T;
      instantiations++;
      if (fill !== undefined) {
        byFill.set(fill, new WeakRef(known));
        forgotten.register(known, fill);
      }
    }
    instances.set(memory, known);
    return known;
  };
}
