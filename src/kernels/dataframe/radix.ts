/**
 * Stable argsort of rows by their key words (compareRows.ts) with an LSD radix sort: one counting
 * pass per 11-bit digit, least significant word first. Linear in rows, no comparator calls, and
 * stable by construction — equal keys keep their input order, which is what makes `sortValues`
 * stable and lets PSRS's merge be "concatenate the pieces in chunk order, sort again".
 *
 * A pass whose digit is the same on every row is skipped (one histogram pass finds them), so a
 * column of small ints or a dictionary rank costs one or two passes, not six. The current word
 * travels with the permutation so passes read sequentially; only the first read of each word gathers.
 */
import type { KeyWords } from './compareRows.js';

const DIGITS: readonly (readonly [number, number])[] = [
  [0, 0x7ff],
  [11, 0x7ff],
  [22, 0x3ff],
];

/** The permutation that sorts rows 0..n-1 by `words` (most significant word first), stably. */
export function radixArgsort(words: KeyWords, n: number): Int32Array {
  let perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (n < 2) return perm;
  let cur = new Uint32Array(n);
  let nextPerm = new Int32Array(n);
  let next = new Uint32Array(n);
  const counts = DIGITS.map(() => new Int32Array(2048));
  for (let w = words.length - 1; w >= 0; w--) {
    const word = words[w];
    if (word === null || word === undefined) continue;
    for (let i = 0; i < n; i++) cur[i] = word[perm[i]!]!;
    for (const c of counts) c.fill(0);
    const c0 = counts[0]!;
    const c1 = counts[1]!;
    const c2 = counts[2]!;
    for (let i = 0; i < n; i++) {
      const v = cur[i]!;
      c0[v & 0x7ff]!++;
      c1[(v >>> 11) & 0x7ff]!++;
      c2[v >>> 22]!++;
    }
    for (let d = 0; d < DIGITS.length; d++) {
      const count = counts[d]!;
      const [shift, mask] = DIGITS[d]!;
      const first = (cur[0]! >>> shift) & mask;
      if (count[first] === n) continue;
      // Exclusive prefix sums: the first output slot of each digit.
      let sum = 0;
      for (let b = 0; b <= mask; b++) {
        const k = count[b]!;
        count[b] = sum;
        sum += k;
      }
      for (let i = 0; i < n; i++) {
        const v = cur[i]!;
        const at = count[(v >>> shift) & mask]!++;
        next[at] = v;
        nextPerm[at] = perm[i]!;
      }
      [cur, next] = [next, cur];
      [perm, nextPerm] = [nextPerm, perm];
    }
  }
  return perm;
}
