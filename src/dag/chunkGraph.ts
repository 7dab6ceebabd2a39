/**
 * Chunk graphs in compact arrays. A chunk graph can hold hundreds of thousands of chunks, so it is
 * not a web of objects: chunk i is a row in parallel arrays (key, kernel, params, meta) and its
 * dependencies and consumers are CSR ranges in Int32Arrays. A *fetch* chunk (kernel `null`) stands for
 * a result already in the store: it has no inputs and is never run.
 *
 * The builder dedupes by key (equal keys are equal computations), keeps each chunk's inputs in order
 * (kernels take positional inputs; the same input may appear twice, as in `x + x`), and accepts inputs
 * that are added later, so tiling can emit chunks in any order.
 */
export interface ChunkSpec {
  readonly key: string;
  /** Kernel name; `null` marks a fetch chunk (already in the store). */
  readonly kernel: string | null;
  readonly params: unknown;
  readonly inputs: readonly string[];
  /** Small plain data about the output (shape, dtype, ...); never the data itself. */
  readonly meta: unknown;
}

export class ChunkGraph {
  readonly size: number;
  readonly keys: readonly string[];
  readonly kernels: readonly (string | null)[];
  readonly params: readonly unknown[];
  readonly metas: readonly unknown[];
  /** Inputs of chunk i: deps[depStart[i] .. depStart[i+1]), in kernel-argument order. */
  readonly depStart: Int32Array;
  readonly deps: Int32Array;
  /** Consumers of chunk i, one entry per (consumer, argument slot). */
  readonly succStart: Int32Array;
  readonly succs: Int32Array;
  #index: Map<string, number> | undefined;

  constructor(
    keys: string[],
    kernels: (string | null)[],
    params: unknown[],
    metas: unknown[],
    depStart: Int32Array,
    deps: Int32Array,
    index?: Map<string, number>,
  ) {
    this.size = keys.length;
    this.keys = keys;
    this.kernels = kernels;
    this.params = params;
    this.metas = metas;
    this.depStart = depStart;
    this.deps = deps;
    this.#index = index;
    const n = keys.length;
    const count = new Int32Array(n + 1);
    for (let e = 0; e < deps.length; e++) count[deps[e]! + 1]!++;
    for (let i = 0; i < n; i++) count[i + 1]! += count[i]!;
    const succs = new Int32Array(deps.length);
    const fill = count.slice(0, n);
    for (let i = 0; i < n; i++) {
      for (let e = depStart[i]!; e < depStart[i + 1]!; e++) succs[fill[deps[e]!]!++] = i;
    }
    this.succStart = count;
    this.succs = succs;
  }

  indexOf(key: string): number {
    // Built on first use: graphs rebuilt by cull or fusion are often only iterated, never searched.
    this.#index ??= new Map(this.keys.map((k, i) => [k, i]));
    return this.#index.get(key) ?? -1;
  }

  isFetch(i: number): boolean {
    return this.kernels[i] === null;
  }

  inputsOf(i: number): Int32Array {
    return this.deps.subarray(this.depStart[i]!, this.depStart[i + 1]!);
  }

  consumersOf(i: number): Int32Array {
    return this.succs.subarray(this.succStart[i]!, this.succStart[i + 1]!);
  }

  spec(i: number): ChunkSpec {
    return {
      key: this.keys[i]!,
      kernel: this.kernels[i]!,
      params: this.params[i],
      inputs: [...this.inputsOf(i)].map((d) => this.keys[d]!),
      meta: this.metas[i],
    };
  }
}

const NO_INPUTS: readonly string[] = Object.freeze([]);

export class ChunkGraphBuilder {
  readonly #index = new Map<string, number>();
  readonly #keys: string[] = [];
  readonly #kernels: (string | null)[] = [];
  readonly #params: unknown[] = [];
  readonly #metas: unknown[] = [];
  readonly #inputs: (readonly string[])[] = [];

  get size(): number {
    return this.#keys.length;
  }

  has(key: string): boolean {
    return this.#index.has(key);
  }

  /** Adds a chunk; a chunk with the same key already present wins (same key, same computation). */
  add(spec: ChunkSpec): number {
    const existing = this.#index.get(spec.key);
    return existing !== undefined ? existing : this.addNew(spec);
  }

  /** Adds a chunk whose key the caller knows is not in the builder yet (one lookup fewer per chunk). */
  addNew(spec: ChunkSpec): number {
    const i = this.#keys.length;
    this.#index.set(spec.key, i);
    this.#keys.push(spec.key);
    this.#kernels.push(spec.kernel);
    this.#params.push(spec.params);
    this.#metas.push(spec.meta);
    this.#inputs.push(spec.inputs);
    return i;
  }

  addFetch(key: string, meta: unknown): number {
    return this.add({ key, kernel: null, params: null, inputs: NO_INPUTS, meta });
  }

  /** Turns an already-added chunk into a fetch chunk (its result turned out to be in the store). */
  markFetch(key: string): void {
    const i = this.#index.get(key);
    if (i === undefined) return;
    this.#kernels[i] = null;
    this.#params[i] = null;
    this.#inputs[i] = [];
  }

  metaOf(key: string): unknown {
    const i = this.#index.get(key);
    return i === undefined ? undefined : this.#metas[i];
  }

  /**
   * The graph `keys` need so far, culled as `cull` would (walking inputs, stopping at fetch chunks),
   * without freezing the builder: an iterative tile runs part of a plan while it is still being built,
   * and chunks it added for later may not have all their inputs yet.
   */
  buildFor(keys: readonly string[]): ChunkGraph {
    const keep = new Set<number>();
    const stack: number[] = [];
    for (const k of keys) {
      const i = this.#index.get(k);
      if (i === undefined) throw new Error(`Chunk ${k} was asked to run but was never added (a tiling bug).`);
      if (!keep.has(i)) stack.push(i);
      keep.add(i);
    }
    while (stack.length > 0) {
      for (const k of this.#inputs[stack.pop()!]!) {
        const d = this.#index.get(k);
        if (d === undefined) throw new Error(`Chunk ${k} is needed before it was added (a tiling bug).`);
        if (!keep.has(d)) {
          keep.add(d);
          stack.push(d);
        }
      }
    }
    const sub = new ChunkGraphBuilder();
    for (const i of [...keep].sort((a, b) => a - b)) {
      sub.addNew({ key: this.#keys[i]!, kernel: this.#kernels[i]!, params: this.#params[i], inputs: this.#inputs[i]!, meta: this.#metas[i] });
    }
    return sub.build();
  }

  /** Freezes into compact arrays; every input key must have been added. */
  build(): ChunkGraph {
    const n = this.#keys.length;
    const depStart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) depStart[i + 1] = depStart[i]! + this.#inputs[i]!.length;
    const deps = new Int32Array(depStart[n]!);
    let e = 0;
    for (let i = 0; i < n; i++) {
      for (const k of this.#inputs[i]!) {
        const d = this.#index.get(k);
        if (d === undefined) {
          throw new Error(`Chunk ${this.#keys[i]} depends on ${k}, which is not in the chunk graph (a tiling bug).`);
        }
        deps[e++] = d;
      }
    }
    return new ChunkGraph(this.#keys, this.#kernels, this.#params, this.#metas, depStart, deps, this.#index);
  }
}

/** The subgraph that `targets` need: walks inputs backwards and stops at fetch chunks. */
export function cull(graph: ChunkGraph, targets: readonly number[]): ChunkGraph {
  const keep = new Uint8Array(graph.size);
  const stack = [...targets];
  for (const t of targets) keep[t] = 1;
  while (stack.length > 0) {
    const i = stack.pop()!;
    for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++) {
      const d = graph.deps[e]!;
      if (!keep[d]) {
        keep[d] = 1;
        stack.push(d);
      }
    }
  }
  let count = 0;
  for (let i = 0; i < graph.size; i++) count += keep[i]!;
  if (count === graph.size) return graph;
  const remap = new Int32Array(graph.size).fill(-1);
  const keys: string[] = [];
  const kernels: (string | null)[] = [];
  const params: unknown[] = [];
  const metas: unknown[] = [];
  for (let i = 0; i < graph.size; i++) {
    if (!keep[i]) continue;
    remap[i] = keys.length;
    keys.push(graph.keys[i]!);
    kernels.push(graph.kernels[i]!);
    params.push(graph.params[i]);
    metas.push(graph.metas[i]);
  }
  const depStart = new Int32Array(keys.length + 1);
  const depList: number[] = [];
  let j = 0;
  for (let i = 0; i < graph.size; i++) {
    if (!keep[i]) continue;
    for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++) depList.push(remap[graph.deps[e]!]!);
    depStart[++j] = depList.length;
  }
  return new ChunkGraph(keys, kernels, params, metas, depStart, Int32Array.from(depList));
}

/** A chunk's new kernel, params and inputs (indices in the old graph) in `rewriteChunks`. */
export interface ChunkRewrite {
  readonly kernel: string | null;
  readonly params: unknown;
  readonly inputs: readonly number[];
}

/**
 * The graph without the chunks `dropped` marks, each other chunk keeping its key and meta and taking
 * `rewrite(i)` where that gives one (inputs renumbered): what optimisation passes build their result with.
 */
export function rewriteChunks(g: ChunkGraph, dropped: Uint8Array, rewrite: (i: number) => ChunkRewrite | undefined): ChunkGraph {
  const keys: string[] = [];
  const kernels: (string | null)[] = [];
  const params: unknown[] = [];
  const metas: unknown[] = [];
  const inputLists: (readonly number[])[] = [];
  const remap = new Int32Array(g.size).fill(-1);
  for (let i = 0; i < g.size; i++) {
    if (dropped[i]) continue;
    remap[i] = keys.length;
    keys.push(g.keys[i]!);
    metas.push(g.metas[i]);
    const r = rewrite(i);
    kernels.push(r ? r.kernel : g.kernels[i]!);
    params.push(r ? r.params : g.params[i]);
    inputLists.push(r ? r.inputs : [...g.inputsOf(i)]);
  }
  const depStart = new Int32Array(keys.length + 1);
  inputLists.forEach((l, i) => (depStart[i + 1] = depStart[i]! + l.length));
  const deps = new Int32Array(depStart[keys.length]!);
  let e = 0;
  for (const l of inputLists) for (const d of l) deps[e++] = remap[d]!;
  return new ChunkGraph(keys, kernels, params, metas, depStart, deps);
}
