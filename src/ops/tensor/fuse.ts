/**
 * Elementwise fusion on a chunk graph: an elementwise chunk that is not a result and feeds exactly one
 * other elementwise or reduction-map chunk is substituted into it, so a chain becomes one kernel pass
 * with no temporaries — unless the consumer broadcasts it: a producer with fewer elements than the
 * consumer's loop would then be evaluated once per consumer element (a row recomputed for every row of
 * a matrix), so it stays a chunk of its own. Runs after cache reuse (a chain whose middle is already stored starts from the
 * stored chunk) and before scheduling. Fused and unfused graphs compute identical values: every
 * expression node normalises to its dtype exactly as storing it would (see kernels/tensor/expr.ts).
 *
 * A basic slice that is not a result and feeds one such consumer is not copied out either: the
 * consumer reads the slice's input chunk in place through a view (offset and strides, see
 * kernels/tensor/layout.ts), so `x.slice('::2, 100:4000').max()` reads the slice once and writes nothing.
 */
import { type ChunkGraph, rewriteChunks } from '../../dag/chunkGraph.js';
import { topologicalOrder } from '../../dag/topo.js';
import { type Expr, exprSize, mapInputs, renumberFns } from '../../base/expr.js';
import { sizeOf } from '../../base/shape.js';
import { type InputView, sliceView } from '../../kernels/tensor/layout.js';

const FUSABLE_CONSUMERS = new Set(['tensor.ew', 'tensor.reduce_map']);
/** Caps keep generated loops small enough for V8 to optimise well. */
const MAX_INPUTS = 16;
const MAX_NODES = 256;

interface Fusable {
  expr: Expr;
  fns: string[];
  inputs: number[];
  /** Per input, the view it is read through (a fused slice), or null. */
  views: (InputView | null)[];
}

/** A slice chunk's params (ops/tensor/slicing.ts): with its input chunk's shape, `source`. */
type SliceParams = Parameters<typeof sliceView>[0] & { readonly source?: readonly number[] };

/**
 * Substitution results are shared: every chunk of a tileable carries the same expression object, so
 * fusing 100k chunks of one chain computes each fused expression once (and the chunks share it).
 */
function memoizedSubstitution() {
  // Keyed by object identity, then by the small integers; no per-chunk key strings.
  const memo = new WeakMap<Expr, WeakMap<Expr, Map<number, Expr>>>();
  return (outer: Expr, slot: number, inner: Expr, base: number, fnBase: number): Expr => {
    let byInner = memo.get(outer);
    if (!byInner) memo.set(outer, (byInner = new WeakMap()));
    let byNumbers = byInner.get(inner);
    if (!byNumbers) byInner.set(inner, (byNumbers = new Map()));
    const key = (slot * 1024 + base) * 1024 + fnBase;
    let e = byNumbers.get(key);
    if (!e) {
      const shifted = mapInputs(renumberFns(inner, fnBase), (i) => ({ ...i, i: i.i + base }));
      e = mapInputs(outer, (i) => (i.i === slot ? shifted : { ...i, i: i.i > slot ? i.i - 1 : i.i }));
      byNumbers.set(key, e);
    }
    return e;
  };
}

export function fuseElementwise(g: ChunkGraph, isTarget: (i: number) => boolean): ChunkGraph {
  const n = g.size;
  const substitute = memoizedSubstitution();
  const sizes = new WeakMap<Expr, number>();
  const nodesOf = (e: Expr): number => {
    let v = sizes.get(e);
    if (v === undefined) sizes.set(e, (v = exprSize(e)));
    return v;
  };
  const state = new Map<number, Fusable>();
  const dead = new Uint8Array(n);
  const fusable = (p: number): boolean =>
    g.kernels[p] === 'tensor.ew' && !isTarget(p) && g.succStart[p + 1]! - g.succStart[p]! === 1;
  const elements = (p: number): number => sizeOf((g.metas[p] as { shape: readonly number[] }).shape);
  /** The view chunk p reads its input through, when p is a slice that can be read in place. */
  const sliceViewOf = (p: number): { source: number; view: InputView } | undefined => {
    if (g.kernels[p] !== 'tensor.slice' || isTarget(p) || g.succStart[p + 1]! - g.succStart[p]! !== 1) return undefined;
    const params = g.params[p] as SliceParams;
    if (!params.source) return undefined;
    return { source: g.inputsOf(p)[0]!, view: sliceView(params, params.source) };
  };
  let fusedAny = false;
  for (const c of topologicalOrder(g)) {
    const kernel = g.kernels[c];
    if (kernel === null || kernel === undefined || !FUSABLE_CONSUMERS.has(kernel)) continue;
    const params = g.params[c] as { expr: Expr; fns?: string[]; shape: readonly number[] };
    const loopElements = sizeOf(params.shape);
    const inputs = [...g.inputsOf(c)];
    const cur: Fusable = { expr: params.expr, fns: [...(params.fns ?? [])], inputs, views: inputs.map((): InputView | null => null) };
    for (let s = 0; s < cur.inputs.length; ) {
      const p = cur.inputs[s]!;
      const sliced = cur.views[s] === null && !dead[p] ? sliceViewOf(p) : undefined;
      if (sliced) {
        // Read in place; the source itself is then read through the view, never fused further.
        cur.inputs[s] = sliced.source;
        cur.views[s] = sliced.view;
        dead[p] = 1;
        fusedAny = true;
        s++;
        continue;
      }
      if (cur.views[s] !== null || !fusable(p) || dead[p] || elements(p) < loopElements) {
        s++;
        continue;
      }
      const inner = state.get(p) ?? {
        expr: (g.params[p] as { expr: Expr }).expr,
        fns: [...((g.params[p] as { fns?: string[] }).fns ?? [])],
        inputs: [...g.inputsOf(p)],
        views: Array.from(g.inputsOf(p), (): InputView | null => null),
      };
      const rest = cur.inputs.filter((_, k) => k !== s);
      if (rest.length + inner.inputs.length > MAX_INPUTS || nodesOf(cur.expr) + nodesOf(inner.expr) > MAX_NODES) {
        s++;
        continue;
      }
      cur.expr = substitute(cur.expr, s, inner.expr, rest.length, cur.fns.length);
      cur.fns.push(...inner.fns);
      cur.inputs = [...rest, ...inner.inputs];
      cur.views = [...cur.views.filter((_, k) => k !== s), ...inner.views];
      dead[p] = 1;
      fusedAny = true;
    }
    state.set(c, cur);
  }
  if (!fusedAny) return g;
  // Chunks of one tileable share their params object and, once fused, their expression: share the result too.
  const fusedParams = new Map<unknown, Map<Expr, unknown>>();
  const paramsOf = (original: { expr: Expr; fns?: string[] }, st: Fusable): unknown => {
    let byExpr = fusedParams.get(original);
    if (!byExpr) fusedParams.set(original, (byExpr = new Map()));
    let p = byExpr.get(st.expr);
    if (p === undefined || (st.fns.length > 0 && (p as { fns?: string[] }).fns!.join('\u0000') !== st.fns.join('\u0000'))) {
      const { fns: _drop, ...rest } = original;
      p = st.fns.length > 0 ? { ...rest, expr: st.expr, fns: st.fns } : { ...rest, expr: st.expr };
      byExpr.set(st.expr, p);
    }
    return p;
  };
  return rewriteChunks(g, dead, (i) => {
    const st = state.get(i);
    if (!st) return undefined;
    const shared = paramsOf(g.params[i] as { expr: Expr; fns?: string[] }, st);
    // Views are per chunk (each slice starts elsewhere): those chunks get params of their own.
    const params = st.views.some((v) => v !== null) ? { ...(shared as object), views: st.views } : shared;
    return { kernel: g.kernels[i]!, params, inputs: st.inputs };
  });
}
