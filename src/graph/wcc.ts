/**
 * Weakly connected components (Graphalytics WCC): two vertices share a label iff a path joins them with
 * arc directions ignored. Works on directed graphs too (GraphScope refuses them). Each component is
 * labelled with its smallest internal vertex id; internal ids follow original-id order (see IdMap), so
 * the label is also the component's smallest original id, which is how the Graphalytics reference
 * files label components (the validator only requires an equivalent partition).
 *
 * Concurrent union-find over the out-CSR (every arc joins its two ends, so one direction suffices):
 * - hook step over a vertex range: union(u, t) for each arc of its vertices. Union links the larger of
 *   two roots under the smaller, so parent ids only decrease along a path (no cycles) and a tree's root
 *   is its smallest vertex. These are the only writes outside the step's range, and all are
 *   `Atomics.compareExchange` on the shared Int32Array: linking a root succeeds only if it is still a
 *   root, and path halving only replaces a parent by one of its ancestors.
 * - compress step: once every hook has finished, each range points its own vertices at their root.
 * An undirected graph stores each edge twice; hooking only the arcs u->t with t > u halves the work.
 */
import type { GraphCsr } from './csr.js';
import { type Driver, type StepResult, type StepTable, runDriver, splitRange } from './parallel.js';
import { type Offsets, outputInt32 } from './shared.js';

export interface WccOptions {
  readonly parts?: number;
}

export interface WccArgs {
  readonly offsets: Offsets;
  readonly targets: Int32Array;
  /** Both arcs of every edge are stored, so only t > u needs hooking. */
  readonly symmetric: boolean;
  readonly parent: Int32Array;
}

/** The root of v's tree, halving the path on the way (each write a compareExchange: see above). */
export function findRoot(parent: Int32Array, v: number): number {
  let x = v;
  for (;;) {
    const p = parent[x]!;
    if (p === x) return x;
    const grand = parent[p]!;
    if (grand === p) return p;
    Atomics.compareExchange(parent, x, p, grand);
    x = grand;
  }
}

/**
 * Joins the trees of u and v; 1 when this call linked two trees, 0 when they were one already.
 *
 * Ends with the same parent return at once, before the walks to the roots: trees only ever merge, so
 * such ends share a tree for good. Once a power-law graph's giant component has formed and paths are
 * halved, that is most arcs (R-MAT s16 on one thread: 4.7 against 6.4 ms; s20: 92 against 127 ms;
 * `.tmp` probe, medians of 15).
 */
export function union(parent: Int32Array, u: number, v: number): number {
  if (parent[u] === parent[v]) return 0;
  let a = findRoot(parent, u);
  let b = findRoot(parent, v);
  while (a !== b) {
    if (a > b) [a, b] = [b, a];
    // b is the larger root: hang it under a, unless another thread has linked b meanwhile.
    if (Atomics.compareExchange(parent, b, b, a) === b) return 1;
    a = findRoot(parent, a);
    b = findRoot(parent, b);
  }
  return 0;
}

/** Joins the components of every arc leaving [lo, hi). Returns the number of successful links. */
export function wccHookStep(args: WccArgs, lo: number, hi: number): StepResult {
  const { offsets, targets, symmetric, parent } = args;
  let links = 0;
  for (let u = lo; u < hi; u++) {
    const end = offsets[u + 1]!;
    for (let e = offsets[u]!; e < end; e++) {
      const t = targets[e]!;
      if (symmetric && t <= u) continue;
      links += union(parent, u, t);
    }
  }
  return [links];
}

/**
 * `wccHookStep` for a range that is its step's only one, as a small graph's WCC runs (alone, on one
 * thread): no other thread writes `parent` meanwhile, so path halving and links are plain writes, and
 * the loop is written out whole. With a compare-and-swap anywhere in it, even on the rare slow path
 * (5% of R-MAT s16's arcs), V8 reloads what it could keep in registers across arcs: the hook pass on
 * R-MAT s16 took 3.2 ms on one thread, this one 2.25-2.7 (`.tmp` probe of the steps alone, medians of
 * 150; with the same plain code in a function called per arc, 2.8). Through the public API, a warm
 * WCC on R-MAT s16 with `toArray('r')` fetched: 3.58-3.68 ms against 4.17-4.20 (medians of 50 runs, three
 * alternations).
 */
export function wccHookAloneStep(args: WccArgs, lo: number, hi: number): StepResult {
  const { offsets, targets, symmetric, parent } = args;
  let links = 0;
  for (let u = lo; u < hi; u++) {
    const end = offsets[u + 1]!;
    for (let e = offsets[u]!; e < end; e++) {
      const t = targets[e]!;
      if ((symmetric && t <= u) || parent[u] === parent[t]) continue;
      // linkAlone, written out: called here instead, the warm WCC above took 3.74-3.81 ms against 3.60-3.67
      // (three alternations).
      let a = u;
      for (let p = parent[a]!; p !== a; p = parent[a]!) a = parent[a] = parent[p]!;
      let b = t;
      for (let p = parent[b]!; p !== b; p = parent[b]!) b = parent[b] = parent[p]!;
      if (a === b) continue;
      if (a < b) parent[b] = a;
      else parent[a] = b;
      links++;
    }
  }
  return [links];
}

/**
 * `union` where no other thread writes `parent` (its caller has checked that u and v have different
 * parents): the roots found with plain path halving, the larger linked under the smaller.
 */
export function linkAlone(parent: Int32Array, u: number, v: number): number {
  let a = u;
  for (let p = parent[a]!; p !== a; p = parent[a]!) a = parent[a] = parent[p]!;
  let b = v;
  for (let p = parent[b]!; p !== b; p = parent[b]!) b = parent[b] = parent[p]!;
  if (a === b) return 0;
  if (a < b) parent[b] = a;
  else parent[a] = b;
  return 1;
}

/** Points every vertex of [lo, hi) straight at its root (the smallest vertex of its component). */
export function wccCompressStep(args: { readonly parent: Int32Array }, lo: number, hi: number): StepResult {
  const { parent } = args;
  let roots = 0;
  for (let v = lo; v < hi; v++) {
    let r = parent[v]!;
    while (parent[r] !== r) r = parent[r]!;
    parent[v] = r;
    if (r === v) roots++;
  }
  return [roots];
}

export const WCC_STEPS: StepTable = { 'wcc.hook': wccHookStep, 'wcc.hookAlone': wccHookAloneStep, 'wcc.compress': wccCompressStep };

/** The WCC driver: one hook pass, one compress pass. Yields the component label of every vertex. */
export function* wccDriver(g: GraphCsr, options: WccOptions = {}): Driver<Int32Array> {
  const { n, out } = g;
  // The labels the driver returns: in recycled memory, or a spare faulted in ahead on a warm loop
  // (base/warmSpares.ts) — a fresh one faulted in on every run (R-MAT s16: 64 pages, ~0.6 ms).
  const parent = outputInt32(n, true);
  for (let v = 0; v < n; v++) parent[v] = v;
  const ranges = splitRange(n, options.parts ?? 1, out.offsets);
  const args: WccArgs = { offsets: out.offsets, targets: out.targets, symmetric: !g.directed, parent };
  yield { step: ranges.length === 1 ? 'wcc.hookAlone' : 'wcc.hook', args, ranges };
  yield { step: 'wcc.compress', args, ranges };
  return parent;
}

/** Component label of every vertex: the smallest internal id in its weakly connected component. */
export function wcc(g: GraphCsr, options: WccOptions = {}): Int32Array {
  return runDriver(wccDriver(g, options), WCC_STEPS);
}
