/**
 * Blocked matrix product, NumPy's `matmul`: the last two axes are the matrices, the leading ones are
 * batch axes broadcast against each other, and a 1-D operand is a row on the left or a column on the
 * right (that axis dropped from the result). The batch axes of the right operand are rechunked to
 * match the left one; the contracted axis is not: output block (..., i, j) is one task summing
 * A(i, k)·B(k, j) over the overlaps of the two operands' k chunks, each read in place at its offset
 * (the contracted axis is never split over tasks: no partial products to add afterwards). When the
 * chunks give fewer output blocks than a pool can share, rows and columns are cut finer (`shareCuts`),
 * each block reading its rows of A's chunk and its columns of B's in place, so every worker gets products.
 */
import { promoteTypes } from '../../base/dtypes.js';
import { ShapeError } from '../../base/errors.js';
import { broadcastShapes, shapeStr, sizeOf } from '../../base/shape.js';
import { chunkKey, registerOp } from '../op.js';
import { bounds, Grid, type TensorNode, makeTensor } from './meta.js';
import { rechunkTiled } from './rechunk.js';
import { reshapeNode } from './shapeOps.js';

/**
 * Output blocks wanted for a product big enough to share: every worker of a pool of 2 or 4 gets equal
 * work. Each block copies (packs) its rows of A and columns of B, so more blocks cost more copying: a
 * 1000² product took 7–10% more CPU cut into 8 blocks than into 4.
 */
const TARGET_BLOCKS = 4;
/**
 * Multiply-adds from which a product wants 16 blocks: a pool of up to 16 stays busy, unequal input
 * chunks (a 4000-row operand comes in seven chunks of 524 rows and one of 332) still split evenly over
 * the workers, and a block's packing stays well under 1% of its products.
 */
const BIG_MACS = 2 ** 33;
const BIG_TARGET_BLOCKS = 16;
/** Multiply-adds below which a product runs as its chunks come (a few milliseconds of work). */
const SHARE_MIN_MACS = 1 << 25;
/** Rows or columns an output block keeps at least, so packing stays small beside the products. */
const MIN_BLOCK_EXTENT = 64;

/** Cuts every extent into up to `pieces` near-equal parts of at least MIN_BLOCK_EXTENT. */
function cutFiner(splits: readonly number[], pieces: number): number[] {
  const out: number[] = [];
  for (const s of splits) {
    const parts = Math.max(1, Math.min(pieces, Math.floor(s / MIN_BLOCK_EXTENT)));
    const base = Math.floor(s / parts);
    for (let p = 0; p < parts; p++) out.push(base + (p < s % parts ? 1 : 0));
  }
  return out;
}

/**
 * Row and column cuts giving at least `target` output blocks (with the batch blocks) when the extents
 * allow. Each block packs its rows of A and its columns of B once, so a product of m×k by k×n cut into
 * R row and C column pieces packs C·m·k + R·k·n elements: among the fewest blocks that reach the
 * target (4 blocks, not 6, for a pool of 2 or 4), the cuts that pack least — a square product goes
 * 2×2 (4 operand copies) rather than 4×1 (5).
 */
function shareCuts(rows: readonly number[], cols: readonly number[], batchBlocks: number, target: number): [number[], number[]] {
  const want = Math.ceil(target / (batchBlocks * rows.length * cols.length));
  const [m, n] = [rows.reduce((x, y) => x + y, 0), cols.reduce((x, y) => x + y, 0)];
  let best: { r: number[]; c: number[]; blocks: number; cost: number } | undefined;
  for (let pieces = want; pieces >= 1; pieces--) {
    const r = cutFiner(rows, pieces);
    const c = cutFiner(cols, Math.ceil(want / pieces));
    const blocks = batchBlocks * r.length * c.length;
    const cost = c.length * m + r.length * n;
    const better = !best
      || (blocks >= target ? best.blocks < target || blocks < best.blocks || (blocks === best.blocks && cost < best.cost) : blocks > best.blocks);
    if (better) best = { r, c, blocks, cost };
  }
  return [best!.r, best!.c];
}

function batchMismatch(sa: readonly number[], sb: readonly number[]): ShapeError {
  return new ShapeError(
    `matmul: the batch axes of shapes ${shapeStr(sa)} and ${shapeStr(sb)} do not broadcast ` +
      `(${shapeStr(sa.slice(0, -2))} against ${shapeStr(sb.slice(0, -2))}); each must be equal or 1 (NumPy broadcasting).`,
  );
}

export function matmulNode(a: TensorNode, b: TensorNode): TensorNode {
  const [sa, sb] = [a.meta.shape, b.meta.shape];
  if (sa.length === 0 || sb.length === 0) {
    throw new ShapeError(`matmul does not take 0-D tensors, got shapes ${shapeStr(sa)} and ${shapeStr(sb)}: multiply by a scalar with mul.`);
  }
  const a2 = sa.length === 1 ? reshapeNode(a, [1, sa[0]!]) : a;
  const b2 = sb.length === 1 ? reshapeNode(b, [sb[0]!, 1]) : b;
  const [as, bs] = [a2.meta.shape, b2.meta.shape];
  const [m, k] = as.slice(-2) as [number, number];
  const [k2, n] = bs.slice(-2) as [number, number];
  if (k !== k2) {
    throw new ShapeError(
      `matmul: shapes ${shapeStr(sa)} and ${shapeStr(sb)} are not aligned: ${k} (last axis of the left) != ` +
        `${k2} (${sb.length === 1 ? 'the only axis' : 'second-to-last axis'} of the right).`,
    );
  }
  const [batchA, batchB] = [as.slice(0, -2), bs.slice(0, -2)];
  let batch: number[];
  try {
    batch = broadcastShapes(batchA, batchB);
  } catch {
    throw batchMismatch(sa, sb);
  }
  const nb = batch.length;
  const batchSplits = batch.map((d, t) => {
    const ta = t - (nb - batchA.length);
    const tb = t - (nb - batchB.length);
    if (ta >= 0 && batchA[ta] === d) return [...a2.meta.nsplits[ta]!];
    if (tb >= 0 && batchB[tb] === d) return [...b2.meta.nsplits[tb]!];
    return [d];
  });
  let rows: readonly number[] = a2.meta.nsplits[as.length - 2]!;
  let cols: readonly number[] = b2.meta.nsplits[bs.length - 1]!;
  const batchBlocks = batchSplits.reduce((p, s) => p * s.length, 1);
  const macs = sizeOf(batch) * m * n * k;
  const target = macs >= BIG_MACS ? BIG_TARGET_BLOCKS : TARGET_BLOCKS;
  if (macs >= SHARE_MIN_MACS && batchBlocks * rows.length * cols.length < target) [rows, cols] = shareCuts(rows, cols, batchBlocks, target);
  const out = makeTensor('tensor.matmul', {}, [a2, b2], {
    shape: [...batch, m, n],
    dtype: promoteTypes(a.meta.dtype, b.meta.dtype),
    nsplits: [...batchSplits, [...rows], [...cols]],
  });
  if (sa.length === 1 && sb.length === 1) return reshapeNode(out, []);
  if (sa.length === 1) return reshapeNode(out, [...batch, n]);
  if (sb.length === 1) return reshapeNode(out, [...batch, m]);
  return out;
}

/** For each (possibly finer) output block along an axis: the input chunk it lies in and its offset there. */
function blockSources(outSplits: readonly number[], inSplits: readonly number[]): { chunk: number; offset: number }[] {
  const inBounds = bounds(inSplits);
  const outBounds = bounds(outSplits);
  let chunk = 0;
  return outSplits.map((_, i) => {
    const start = outBounds[i]!;
    while (chunk + 1 < inSplits.length && inBounds[chunk + 1]! <= start) chunk++;
    return { chunk, offset: start - inBounds[chunk]! };
  });
}

/**
 * The pieces of the contracted axis where a chunk of A and a chunk of B overlap, as
 * [A chunk, B chunk, offset in the A chunk, offset in the B chunk, length]; one empty piece for k = 0.
 */
function kOverlaps(aSplits: readonly number[], bSplits: readonly number[]): [number, number, number, number, number][] {
  const [ab, bb] = [bounds(aSplits), bounds(bSplits)];
  const total = ab[ab.length - 1]!;
  if (total === 0) return [[0, 0, 0, 0, 0]];
  const out: [number, number, number, number, number][] = [];
  let [i, j, pos] = [0, 0, 0];
  while (pos < total) {
    const end = Math.min(ab[i + 1]!, bb[j + 1]!);
    out.push([i, j, pos - ab[i]!, pos - bb[j]!, end - pos]);
    pos = end;
    if (ab[i + 1] === end) i++;
    if (bb[j + 1] === end) j++;
  }
  return out;
}

registerOp({
  name: 'tensor.matmul',
  tile(tileable, ctx) {
    const node = tileable as TensorNode;
    const [a, b] = node.inputs as [TensorNode, TensorNode];
    const nd = node.meta.shape.length;
    const nb = nd - 2;
    const [ra, rb] = [a.meta.shape.length, b.meta.shape.length];
    const ta = ctx.input(0);
    const outSplits = node.meta.nsplits;
    // The right operand's batch axes (where not broadcast) follow the left's chunks.
    const bTarget = b.meta.shape.map((d, ax) => {
      if (ax >= rb - 2) return b.meta.nsplits[ax]!;
      const t = ax + nb - (rb - 2);
      return d === 1 && node.meta.shape[t] !== 1 ? [1] : outSplits[t]!;
    });
    const tb = rechunkTiled(ctx, { key: b.key, dtype: b.meta.dtype }, ctx.input(1), bTarget);
    const ga = new Grid(ta.nsplits);
    const gb = new Grid(tb.nsplits);
    const aK = ta.nsplits[ra - 1]!;
    const bK = tb.nsplits[rb - 2]!;
    const pairs = kOverlaps(aK, bK).map(([i, j, a0, b0, k]) => [i, aK.length + j, a0, b0, k]);
    const rowSrc = blockSources(outSplits[nd - 2]!, ta.nsplits[ra - 2]!);
    const colSrc = blockSources(outSplits[nd - 1]!, tb.nsplits[rb - 1]!);
    const outGrid = new Grid(outSplits);
    const dtype = node.meta.dtype;
    const chunks = outGrid.indices().map((index) => {
      const i = index[nd - 2]!;
      const j = index[nd - 1]!;
      const batchOf = (rank: number, shape: readonly number[]): number[] =>
        shape.slice(0, rank - 2).map((d, ax) => (d === 1 ? 0 : index[ax + nb - (rank - 2)]!));
      const aBatch = batchOf(ra, a.meta.shape);
      const bBatch = batchOf(rb, b.meta.shape);
      const inputs = [
        ...aK.map((_, q) => ta.chunks[ga.flat([...aBatch, rowSrc[i]!.chunk, q])]!),
        ...bK.map((_, q) => tb.chunks[gb.flat([...bBatch, q, colSrc[j]!.chunk])]!),
      ];
      const shape = outGrid.shape(index);
      return ctx.add({
        key: chunkKey(node.key, index),
        kernel: 'tensor.matmul',
        params: { shape, dtype, aRow0: rowSrc[i]!.offset, bCol0: colSrc[j]!.offset, pairs },
        inputs,
        meta: { shape, dtype },
      });
    });
    if (rowSrc.length > ta.nsplits[ra - 2]!.length || colSrc.length > tb.nsplits[rb - 1]!.length) {
      ctx.plan(`matmul: ${outGrid.size} output blocks, rows and columns of the input chunks cut finer to share the work`);
    }
    return { nsplits: outSplits, chunks };
  },
});
