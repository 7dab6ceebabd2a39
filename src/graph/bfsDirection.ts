/**
 * What every BFS module shares: the depth of an unreached vertex and Beamer's test for going bottom-up.
 *
 * Unreached vertices hold BFS_UNREACHED (2^31 - 1, so it compares greater than any depth); Graphalytics
 * prints them as 9223372036854775807 (Java's Long.MAX_VALUE), which is BFS_UNREACHED_TEXT.
 */
export const BFS_UNREACHED = 2147483647;
export const BFS_UNREACHED_TEXT = '9223372036854775807';

/**
 * Beamer's switch: go bottom-up when the frontier's arcs exceed the unexplored arcs / ALPHA, and back
 * top-down when the frontier falls below n / BETA vertices while shrinking. The first test also asks
 * for a frontier that is either that large or still growing: near the end of a long, thin search (a
 * road grid) the unexplored arcs run out while the frontier is small and shrinking, and going
 * bottom-up there would scan all n vertices for a handful of new ones, level after level. For the same
 * reason the frontier needs at least n / SCAN arcs: a bottom-up step reads every vertex's depth in
 * order, and a top-down arc (a random access) costs about as much as SCAN of those reads. (Without
 * it, the 1024x1024 grid's last levels, which grow now and then by a vertex or two, went bottom-up:
 * 5 ms to find 16 vertices. R-MAT goes bottom-up at frontiers of millions of arcs, far above n / SCAN.)
 */
const ALPHA = 15;
export const BETA = 18;
export const SCAN = 32;

/** `minSize` is n / BETA (Infinity when bottom-up is off, which fails every test). */
export function goBottomUp(arcs: number, unexplored: number, size: number, previous: number, minSize: number): boolean {
  return arcs > unexplored / ALPHA && arcs >= (minSize * BETA) / SCAN && (size >= minSize || size > previous);
}
