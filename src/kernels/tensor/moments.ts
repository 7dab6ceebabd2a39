/**
 * var/std partials: a chunk's (count, mean, M2), its mean kept as a double-double, and Chan's merge of
 * two of them.
 */
import { correctMomentsAt, mergeMomentsAt } from '../../base/moments.js';
import type { ArrayData } from '../../base/ndarray.js';
import type { Partial, ReduceMapParams } from './reduce.js';
import { type F64, filled, runLoop } from './reduceLoop.js';
import { rowBlocks } from './rowBlocks.js';

export type Moments = Extract<Partial, { kind: 'moments' }>;

/**
 * var/std of one chunk, block by block of rows (rowBlocks.ts): each block's mean, then its squared
 * deviations from that mean while the block is still in cache, so the chunk is read from memory once
 * (two passes over a whole 16 MB chunk read it twice). Blocks that share outputs (the first axis
 * reduced) merge with Chan's formula, as chunks do; otherwise each fills its own rows of the result.
 */
export function chunkMoments(p: ReduceMapParams, ins: readonly ArrayData[], shape: readonly number[], n: number, count: number): Moments {
  const loopShape = p.shape.length === 0 ? [1] : p.shape;
  const firstReduced = p.shape.length === 0 || p.axes.includes(0);
  const mean = filled(n, 0);
  const meanLo = filled(n, 0);
  const m2 = filled(n, 0);
  const rows = loopShape[0]!;
  // A column reduction (the first axis reduced, the last kept) is bound by its compensated additions,
  // not by memory: split, it only paid each block's merge (var by column of 417x5000 chunks, one thread:
  // 60 ms unsplit, 65-116 ms in blocks of 24-104 rows).
  if (firstReduced && !p.axes.includes(loopShape.length - 1)) {
    // Column sums compensate every addition (codegen.ts), so their means need no correcting pass.
    momentsInto(p, ins, count, mean, meanLo, m2, false);
    return { kind: 'moments', count, mean, meanLo, m2, shape };
  }
  if (!firstReduced) {
    const per = n / rows;
    for (const b of rowBlocks(ins, loopShape)) {
      const at = (a: F64): F64 => a.subarray(b.first * per, (b.first + b.rows) * per);
      momentsInto(b.rows === rows ? p : { ...p, shape: b.shape }, b.inputs, count, at(mean), at(meanLo), at(m2));
    }
    return { kind: 'moments', count, mean, meanLo, m2, shape };
  }
  let total = 0;
  let block: { mean: F64; meanLo: F64; m2: F64 } | undefined;
  for (const b of rowBlocks(ins, loopShape)) {
    const blockCount = b.rows === rows ? count : (count / rows) * b.rows;
    if (total === 0) {
      momentsInto(b.rows === rows ? p : { ...p, shape: b.shape }, b.inputs, blockCount, mean, meanLo, m2);
    } else {
      block ??= { mean: filled(n, 0), meanLo: filled(n, 0), m2: filled(n, 0) };
      block.mean.fill(0);
      block.meanLo.fill(0);
      block.m2.fill(0);
      momentsInto({ ...p, shape: b.shape }, b.inputs, blockCount, block.mean, block.meanLo, block.m2);
      mergeMoments(mean, meanLo, m2, total, block.mean, block.meanLo, block.m2, blockCount);
    }
    total += blockCount;
  }
  return { kind: 'moments', count, mean, meanLo, m2, shape };
}

/**
 * Fills zeroed (mean, meanLo, m2) with the moments of `count` elements per output, read by `p`'s loop.
 * `corrected`: the mean is then corrected by the deviations' own sum (see `correctByDeviations`).
 */
function momentsInto(p: ReduceMapParams, ins: readonly ArrayData[], count: number, mean: F64, meanLo: F64, m2: F64, corrected = true): void {
  // The mean as a double-double (the compensated sum's low part divided too): Chan's merge adds the
  // difference of two means, which one rounded mean would spoil (see mergeMoments).
  runLoop('sum', p, ins, mean, meanLo, true);
  for (let i = 0; i < mean.length; i++) {
    if (count === 0) mean[i] = meanLo[i] = 0;
    else {
      // Normalised (the high part the double nearest the mean): a column sum's low part can exceed half
      // an ulp of its high part, and the deviations below are taken from the high part. (ddDivide
      // ignores the low part of a sum that is not finite, where the loops leave it NaN.)
      const [hi, lo] = ddDivide(mean[i]!, meanLo[i]!, count);
      const s = hi + lo;
      mean[i] = s;
      meanLo[i] = s - s === 0 ? hi - s + lo : 0;
    }
  }
  runLoop('sqdev', p, ins, m2, mean);
  if (corrected && count > 0 && meanDominates(mean, m2, count)) correctByDeviations(p, ins, count, mean, meanLo, m2);
}

/**
 * Whether some output's mean is over CORRECTED_RATIO standard deviations from zero: only then can the
 * first pass's rounding, which scales with the mean, show beside the spread (see `correctByDeviations`).
 */
function meanDominates(mean: F64, m2: F64, count: number): boolean {
  const limit = CORRECTED_RATIO * CORRECTED_RATIO;
  for (let i = 0; i < mean.length; i++) if (mean[i]! * mean[i]! * count > limit * m2[i]!) return true;
  return false;
}

/**
 * Mean over standard deviation from which the mean is corrected. Measured on 4M values of c + U(0, 1)
 * (ratio 3.5c), in nine chunkings: at c = 1e4 the variance was within 1.7e-16 without the correction,
 * at c = 1e6 up to 2.8e-13 off, at c = 1e8 up to 8.5e-12. Below it the extra pass buys nothing.
 */
const CORRECTED_RATIO = 1000;

/**
 * The mean and M2 corrected by the deviations' sum s = Σ(x - c), c the mean the deviations were taken
 * from: the mean is c + s / count and M2 is Σ(x - c)² - s² / count (the corrected two-pass algorithm).
 * The first pass's sum of 1e8 + U(0, 1) rounds inside each 128-element block, and Chan's merge of chunk
 * means off by ~5e-10 left the variance of 4M such values 1e-14 to 8.5e-12 off, by chunking (NumPy's
 * x.var(): 4e-12); the deviations are small, their sum nearly exact, and every chunking gave <= 1e-15.
 * It reads the data once more (from the core's cache when the rows come in blocks: chunkMoments), which
 * took a 5000x5000 x.var() from 41 to 51 ms on two threads: so only where the mean dominates.
 */
function correctByDeviations(p: ReduceMapParams, ins: readonly ArrayData[], count: number, mean: F64, meanLo: F64, m2: F64): void {
  const deviations = filled(mean.length, 0);
  runLoop('dev', p, ins, deviations, mean);
  for (let i = 0; i < mean.length; i++) correctMomentsAt(mean, meanLo, m2, i, deviations[i]!, count);
}

/** Chan's merge of the moments of nb more elements into those of na, in place (base/moments.ts). */
export function mergeMoments(mean: F64, meanLo: F64, m2: F64, na: number, bMean: F64, bMeanLo: F64, bM2: F64, nb: number): void {
  for (let i = 0; i < mean.length; i++) mergeMomentsAt(mean, meanLo, m2, i, na, bMean[i]!, bMeanLo[i]!, bM2[i]!, nb);
}

/** (hi + lo) / n as a double-double, n a positive integer (the remainder hi - q·n is exact by Dekker's product). */
function ddDivide(hi: number, lo: number, n: number): [number, number] {
  const q = hi / n;
  if (!(q - q === 0) || Math.abs(q) > 1e290) return [q, 0]; // non-finite, or too large to split
  const SPLIT = 134217729; // 2^27 + 1 (Veltkamp)
  const c = SPLIT * q;
  const qh = c - (c - q);
  const ql = q - qh;
  const d = SPLIT * n;
  const nh = d - (d - n);
  const nl = n - nh;
  const p = q * n;
  const pErr = ((qh * nh - p) + qh * nl + ql * nh) + ql * nl;
  return [q, ((hi - p) - pErr + lo) / n];
}
