/**
 * The endpoints of a big edge list mapped to internal ids by every worker of a gang instead of one.
 *
 * An edge list read from a file comes as parts (one per byte range of the file), 32M endpoint ids on
 * R-MAT s20; mapped on the driver's thread they were half of the first app's projection, while the other
 * worker idled. The map's lookup goes to the gang as plain data in shared memory (IdMap.idTable), and
 * `ids.map` maps ranges of the columns laid end to end, each id into its place in the column's output,
 * with the loop IdMap.toInternal runs (idTable.ts `mapIds`): the same internal ids, whatever the split.
 *
 * A range stops at its first id that is not in the map and reports it; the driver reports only whether
 * every id was found, and the caller then maps on one thread, which raises the error naming the first
 * missing id in column order, exactly as it would have without the gang.
 */
import { VertexNotFoundError } from './errors.js';
import { asBigIntColumn, type IdColumn, idColumnLength } from './idColumns.js';
import type { IdMap } from './idmap.js';
import { canMap, type IdTable, mapIds } from './idTable.js';
import type { Driver, Range, StepResult, StepTable } from './parallel.js';
import { sharedInt32 } from './shared.js';

/** Fewer ids are mapped on one thread: a gang round costs more than the split saves. */
const PARALLEL_FROM_IDS = 1 << 21;
/** Ranges per part, claimed one by one, so a slow worker does not hold the others up. */
const RANGES_PER_PART = 4;
/** A gang request has at most this many ranges (kernels/gang.ts). */
const MAX_RANGES = 1023;

export interface ParallelIdsOptions {
  /** The gang's parallelism. */
  readonly parts: number;
  /** Map in parts from this many ids (default PARALLEL_FROM_IDS; tests lower it). */
  readonly fromIds?: number;
}

interface MapArgs {
  readonly table: IdTable;
  readonly columns: readonly IdColumn[];
  /** Where column k's ids start when the columns are laid end to end: starts[k], then the total. */
  readonly starts: Float64Array;
  /** Column k's internal ids go to outs[k] (as long as the column). */
  readonly outs: readonly Int32Array[];
}

/** Maps ids lo..hi-1 of the columns laid end to end. Returns [the first id not in the map (end-to-end index), or -1]. */
function mapStep(args: MapArgs, lo: number, hi: number): StepResult {
  const { table, columns, starts, outs } = args;
  let k = 0;
  while (starts[k + 1]! <= lo) k++;
  for (; k < columns.length && starts[k]! < hi; k++) {
    const first = Math.max(lo, starts[k]!) - starts[k]!;
    const last = Math.min(hi, starts[k + 1]!) - starts[k]!;
    const missing = mapIds(table, columns[k]!, first, last, outs[k]!, first);
    if (missing >= 0) return [starts[k]! + missing];
  }
  return [-1];
}

export const ID_STEPS: StepTable = { 'ids.map': mapStep };

/** The ids in all of `parts`. */
const lengthOf = (parts: readonly IdColumn[]): number => parts.reduce((n, c) => n + idColumnLength(c), 0);

/** Whether `mapIdsDriver` maps these columns on the gang (else the caller maps them on its thread). */
export function mapsInParts(table: () => IdTable, columns: readonly IdColumn[], parallel: ParallelIdsOptions): boolean {
  if (Math.floor(parallel.parts) < 2 || lengthOf(columns) < (parallel.fromIds ?? PARALLEL_FROM_IDS)) return false;
  // No table reads coded strings (their codes are mapped through a merge of dictionaries): a string
  // map's table is 1M strings hashed for nothing on R-MAT s20.
  if (columns.some((c) => c.kind === 'coded')) return false;
  const t = table();
  return columns.every((c) => canMap(t, c));
}

/**
 * Maps every column into its output on the gang; returns whether every id was in the map (when not,
 * some outputs are partly written). Columns must pass `mapsInParts`.
 */
export function* mapIdsDriver(table: IdTable, columns: readonly IdColumn[], outs: readonly Int32Array[], parallel: ParallelIdsOptions): Driver<boolean> {
  const starts = new Float64Array(columns.length + 1);
  columns.forEach((c, k) => (starts[k + 1] = starts[k]! + idColumnLength(c)));
  const total = starts[columns.length]!;
  const count = Math.max(1, Math.min(MAX_RANGES, Math.floor(parallel.parts) * RANGES_PER_PART));
  const ranges: Range[] = [];
  for (let r = 0; r < count; r++) {
    const lo = Math.floor((total * r) / count);
    const hi = Math.floor((total * (r + 1)) / count);
    if (hi > lo) ranges.push([lo, hi]);
  }
  const found = yield { step: 'ids.map', args: { table, columns, starts, outs } satisfies MapArgs, ranges };
  return found.every((r) => r[0]! < 0);
}

/** The labels an error about an endpoint names. */
export interface EndpointLabels {
  readonly edgeLabel: string;
  readonly vertexLabel: string;
}

/**
 * The dense-id fast path: when the vertices are exactly 0..n-1 and an edge column is an Int32Array,
 * the column already is the internal ids (no lookup, no copy; the CSR build only reads it). Whether
 * every id is in range is left to the CSR build, which checks every endpoint anyway; the projection
 * asks again, with the errors that name the vertex, only when that check fails (see `graph.project`).
 */
function denseIds(map: IdMap, c: IdColumn): Int32Array | undefined {
  return map.isIdentity() && c.kind === 'number' && c.values instanceof Int32Array ? c.values : undefined;
}

/**
 * The internal ids of an edge column given in parts (a file's byte ranges are parts), into one array,
 * on this thread: each part is mapped straight into its place, never concatenated first. An id not in
 * the map is a VertexNotFoundError naming it, its end and its edge; with `trustDense`, dense ids are
 * taken as they are (see `denseIds`).
 */
export function endpointIds(map: IdMap, parts: readonly IdColumn[], labels: EndpointLabels, end: 'the source' | 'the target', trustDense: boolean): Int32Array {
  const at = (offset: number) => (i: number, text: string) =>
    new VertexNotFoundError(text, `${end} of edge ${i + offset} of '${labels.edgeLabel}' is not a declared vertex of '${labels.vertexLabel}'`);
  const source = (c: IdColumn): IdColumn => (map.kind === 'bigint' ? asBigIntColumn(c) : c);
  const dense = (c: IdColumn): Int32Array | undefined => (trustDense ? denseIds(map, c) : undefined);
  if (parts.length === 1) return dense(parts[0]!) ?? map.toInternal(source(parts[0]!), at(0));
  // Each part is mapped straight into its place (no array per part to copy and free).
  const out = sharedInt32(lengthOf(parts));
  let offset = 0;
  for (const c of parts) {
    const ids = dense(c);
    if (ids) out.set(ids, offset);
    else map.toInternal(source(c), at(offset), { out, at: offset });
    offset += idColumnLength(c);
  }
  return out;
}

/**
 * `endpointIds` of both ends (dense ids trusted), the mapping split across the gang when the columns
 * are many ids that the map's table reads as they are; then in shared memory. Dense ids, and whatever
 * the gang found missing, go to `endpointIds` (which raises the error naming the first missing id).
 */
export function* endpointIdsDriver(map: IdMap, src: readonly IdColumn[], dst: readonly IdColumn[], labels: EndpointLabels, parallel: ParallelIdsOptions): Driver<{ readonly src: Int32Array; readonly dst: Int32Array }> {
  const columns = [...src, ...dst];
  const dense = columns.every((c) => denseIds(map, c));
  if (!dense && mapsInParts(() => map.idTable(), columns, parallel)) {
    const out = { src: sharedInt32(lengthOf(src)), dst: sharedInt32(lengthOf(dst)) };
    const views = (whole: Int32Array, parts: readonly IdColumn[]) => {
      let at = 0;
      return parts.map((c) => whole.subarray(at, (at += idColumnLength(c))));
    };
    if (yield* mapIdsDriver(map.idTable(), columns, [...views(out.src, src), ...views(out.dst, dst)], parallel)) return out;
  }
  return { src: endpointIds(map, src, labels, 'the source', true), dst: endpointIds(map, dst, labels, 'the target', true) };
}
