/**
 * A projection's arcs as a list, for the apps that read each arc once in any order (WCC, wccArcs.ts):
 * no CSR, and, when the id map finds integer ids by an offset or a direct table, not even mapped.
 *
 * Integer ids of one dense-ish range stand for slots (id - min, 0..span-1) in original id order, the
 * order of internal ids, so an app can work on slots and turn the few answers it keeps into internal
 * ids at the end (`internal`, the map's direct table; none when the ids are contiguous and a slot is an
 * internal id). The edge tables' columns are then read where they are, in shared memory: Int32 ids
 * 0..n-1 or a file's Float64 parts alike, nothing copied. Other ids (sparse integers, int64, strings)
 * are mapped to internal ids first, on the gang (parallelIds.ts), and the list is of those.
 *
 * Every id is checked to be a vertex of the projection — by a gang step reading the columns once —
 * unless the map was made from these very columns (a label whose vertices are its edges' endpoints).
 * A missing id is reported as `graph.project` reports it: the columns are mapped again on one thread,
 * which raises the VertexNotFoundError naming the first missing id.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { type IdColumn, idColumnLength } from './idColumns.js';
import type { IdMap } from './idmap.js';
import type { Driver, Range, StepResult, StepTable } from './parallel.js';
import { type EndpointLabels, endpointIds, endpointIdsDriver } from './parallelIds.js';
import { isShared } from './shared.js';

export type ArcIds = Int32Array | Float64Array;

export interface ArcList {
  /** Vertices: internal ids 0..n-1. */
  readonly n: number;
  readonly directed: boolean;
  /** Tails and heads in parts (one per edge table or file byte range); src[k] and dst[k] have one length. */
  readonly src: readonly ArcIds[];
  readonly dst: readonly ArcIds[];
  /** Id x is slot x - min of 0..span-1. */
  readonly min: number;
  readonly span: number;
  /** The internal id of every slot (-1: no vertex has that id); undefined when every slot is its internal id (span = n). */
  readonly internal: Int32Array | undefined;
}

/** Ranges per gang member for the check, claimed one by one. */
const RANGES_PER_PART = 4;
/** Fewer ids are checked in one range. */
const SPLIT_FROM_IDS = 1 << 20;
const MAX_RANGES = 1023;

interface CheckArgs {
  readonly columns: readonly ArcIds[];
  readonly starts: Float64Array;
  readonly min: number;
  readonly span: number;
  readonly internal: Int32Array | undefined;
}

/** Checks ids lo..hi-1 of the columns laid end to end. Returns [the first that is no vertex's id, or -1]. */
function checkStep(args: CheckArgs, lo: number, hi: number): StepResult {
  const { columns, starts, min, span, internal } = args;
  let k = 0;
  while (starts[k + 1]! <= lo) k++;
  for (; k < columns.length && starts[k]! < hi; k++) {
    const ids = columns[k]!;
    const first = Math.max(lo, starts[k]!) - starts[k]!;
    const last = Math.min(hi, starts[k + 1]!) - starts[k]!;
    for (let i = first; i < last; i++) {
      const s = ids[i]! - min;
      // s >>> 0 === s rejects negatives and fractions in one test.
      if (s >>> 0 !== s || s >= span || (internal !== undefined && internal[s]! < 0)) return [starts[k]! + i];
    }
  }
  return [-1];
}

export const ARC_LIST_STEPS: StepTable = { 'arcs.check': checkStep };

function ranges(total: number, count: number): Range[] {
  const out: Range[] = [];
  for (let r = 0; r < count; r++) {
    const lo = Math.floor((total * r) / count);
    const hi = Math.floor((total * (r + 1)) / count);
    if (hi > lo) out.push([lo, hi]);
  }
  return out;
}

/** The array itself when it is in shared memory (a worker reads it without a copy), else a copy there. */
function inShared<T extends ArcIds>(a: T): T {
  if (isShared(a)) return a;
  const copy = new (a.constructor as { new (buffer: SharedArrayBuffer): T })(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}

export interface ArcListOptions {
  readonly directed: boolean;
  /** The map was made from these columns' ids: every id is in it, nothing to check. */
  readonly complete: boolean;
  /** The gang's parallelism. */
  readonly parts: number;
  /** Check and map in parts from this many ids (tests lower it). */
  readonly fromIds?: number;
}

/** The arc list of a projection whose vertices are `map`'s and whose arcs are `src[k] -> dst[k]`. */
export function* arcListDriver(map: IdMap, src: readonly IdColumn[], dst: readonly IdColumn[], labels: EndpointLabels, options: ArcListOptions): Driver<ArcList> {
  const n = map.size;
  const table = map.kind === 'number' ? map.idTable() : undefined;
  const numbers = (cs: readonly IdColumn[]) => cs.every((c) => c.kind === 'number');
  const aligned = src.length === dst.length && src.every((c, k) => idColumnLength(c) === idColumnLength(dst[k]!));
  if (table && (table.kind === 'offset' || table.kind === 'table') && numbers(src) && numbers(dst) && aligned) {
    const columns = (cs: readonly IdColumn[]) => cs.map((c) => inShared(c.values as ArcIds));
    const arcs: ArcList = {
      n,
      directed: options.directed,
      src: columns(src),
      dst: columns(dst),
      min: table.min,
      span: table.kind === 'offset' ? table.size : table.table.length,
      internal: table.kind === 'table' ? table.table : undefined,
    };
    if (!options.complete) yield* check(map, arcs, src, dst, labels, options);
    return arcs;
  }
  const mapped = yield* endpointIdsDriver(map, src, dst, labels, { parts: options.parts, ...(options.fromIds !== undefined ? { fromIds: options.fromIds } : {}) });
  const arcs: ArcList = { n, directed: options.directed, src: [inShared(mapped.src)], dst: [inShared(mapped.dst)], min: 0, span: n, internal: undefined };
  // Dense ids are taken as they are (parallelIds.ts `denseIds`): those alone are not checked yet.
  if (!options.complete && map.isIdentity()) yield* check(map, arcs, src, dst, labels, options);
  return arcs;
}

/** Checks every id of the list on the gang; a missing one raises the error `graph.project` raises for it. */
function* check(map: IdMap, arcs: ArcList, src: readonly IdColumn[], dst: readonly IdColumn[], labels: EndpointLabels, options: ArcListOptions): Driver<void> {
  const parts = Math.floor(options.parts);
  const columns = [...arcs.src, ...arcs.dst];
  const starts = new Float64Array(columns.length + 1);
  columns.forEach((c, k) => (starts[k + 1] = starts[k]! + c.length));
  const total = starts[columns.length]!;
  const count = total < (options.fromIds ?? SPLIT_FROM_IDS) || parts < 2 ? 1 : Math.min(MAX_RANGES, parts * RANGES_PER_PART);
  const args: CheckArgs = { columns, starts, min: arcs.min, span: arcs.span, internal: arcs.internal };
  const found = yield { step: 'arcs.check', args, ranges: ranges(total, count) };
  if (found.every((r) => r[0]! < 0)) return;
  // Mapping on one thread names the first missing id, source ends before target ends.
  endpointIds(map, src, labels, 'the source', false);
  endpointIds(map, dst, labels, 'the target', false);
  throw new InvalidArgumentError(`an edge of '${labels.edgeLabel}' has an endpoint that is not a vertex of '${labels.vertexLabel}'`);
}
