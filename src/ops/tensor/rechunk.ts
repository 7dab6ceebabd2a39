/**
 * Rechunking: re-tiles a tensor's chunks onto another grid of the same shape. Output chunks that
 * coincide with an input chunk reuse it by key (no copy, no task); the others are assembled from the
 * overlapping blocks of the input chunks. Keys derive from the input's key and the target grid, so two
 * ops that need the same rechunk share its chunks.
 */
import type { DType } from '../../base/dtypes.js';
import { tokenize } from '../../base/tokenize.js';
import { chunkKey, registerOp, type TileContext, type Tiled } from '../op.js';
import { bounds, Grid, type TensorNode, makeTensor } from './meta.js';

interface Overlap {
  readonly chunk: number;
  readonly srcStart: number;
  readonly dstStart: number;
  readonly extent: number;
}

/** For each target chunk along one axis, the source chunks it overlaps and where. */
function axisOverlaps(from: readonly number[], to: readonly number[]): Overlap[][] {
  const fb = bounds(from);
  const tb = bounds(to);
  const out: Overlap[][] = [];
  let k = 0;
  for (let j = 0; j < to.length; j++) {
    const lo = tb[j]!;
    const hi = tb[j + 1]!;
    const list: Overlap[] = [];
    while (k < from.length - 1 && fb[k + 1]! <= lo) k++;
    if (hi === lo) list.push({ chunk: Math.min(k, from.length - 1), srcStart: 0, dstStart: 0, extent: 0 });
    for (let c = k; c < from.length && fb[c]! < hi; c++) {
      const a = Math.max(lo, fb[c]!);
      const b = Math.min(hi, fb[c + 1]!);
      if (b > a) list.push({ chunk: c, srcStart: a - fb[c]!, dstStart: a - lo, extent: b - a });
    }
    out.push(list);
  }
  return out;
}

function sameSplits(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): boolean {
  return a.length === b.length && a.every((s, d) => s.length === b[d]!.length && s.every((x, i) => x === b[d]![i]));
}

export function rechunkTiled(
  ctx: TileContext,
  source: { readonly key: string; readonly dtype: DType },
  tiled: Tiled,
  target: readonly (readonly number[])[],
): Tiled {
  if (sameSplits(tiled.nsplits, target)) return tiled;
  const from = new Grid(tiled.nsplits);
  const to = new Grid(target);
  const perAxis = target.map((t, d) => axisOverlaps(tiled.nsplits[d]!, t));
  const stage = `rechunk-${tokenize(target).slice(0, 12)}`;
  const chunks = to.indices().map((index) => {
    const shape = to.shape(index);
    let combos: { src: number[]; srcStart: number[]; dstStart: number[]; extent: number[] }[] = [
      { src: [], srcStart: [], dstStart: [], extent: [] },
    ];
    for (let d = 0; d < index.length; d++) {
      const next: typeof combos = [];
      for (const c of combos) {
        for (const o of perAxis[d]![index[d]!]!) {
          next.push({
            src: [...c.src, o.chunk],
            srcStart: [...c.srcStart, o.srcStart],
            dstStart: [...c.dstStart, o.dstStart],
            extent: [...c.extent, o.extent],
          });
        }
      }
      combos = next;
    }
    const only = combos.length === 1 ? combos[0]! : undefined;
    if (only && only.srcStart.every((s) => s === 0) && from.shape(only.src).every((e, d) => e === shape[d])) {
      return tiled.chunks[from.flat(only.src)]!;
    }
    const inputs: string[] = [];
    const slot = new Map<string, number>();
    const pieces = combos.map((c) => {
      const key = tiled.chunks[from.flat(c.src)]!;
      if (!slot.has(key)) {
        slot.set(key, inputs.length);
        inputs.push(key);
      }
      return { input: slot.get(key)!, srcStart: c.srcStart, dstStart: c.dstStart, extent: c.extent };
    });
    return ctx.add({
      key: chunkKey(source.key, index, stage),
      kernel: 'tensor.assemble',
      params: { shape, dtype: source.dtype, pieces },
      inputs,
      meta: { shape, dtype: source.dtype },
    });
  });
  return { nsplits: target, chunks };
}

/** `t.rechunk(chunkSize)` as a node of its own. */
export function rechunkNode(x: TensorNode, nsplits: readonly (readonly number[])[]): TensorNode {
  if (sameSplits(x.meta.nsplits, nsplits)) return x;
  return makeTensor('tensor.rechunk', { nsplits }, [x], { ...x.meta, nsplits });
}

registerOp({
  name: 'tensor.rechunk',
  tile(node, ctx) {
    const x = node.inputs[0] as TensorNode;
    return rechunkTiled(ctx, { key: x.key, dtype: x.meta.dtype }, ctx.input(0), (node as TensorNode).meta.nsplits);
  },
});
