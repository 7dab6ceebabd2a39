/**
 * A graph whose ids are small non-negative integers, built over the ids themselves and compacted after.
 *
 * An edge file's ids are usually 0..max with gaps: the vertices that no edge touches (a third of
 * R-MAT s20's ids). The map from ids to internal ids is then a direct table, and mapping the 32M
 * endpoints through it before the CSR build was as long as the build itself. Instead the CSR is built
 * with the ids as rows (the file's Int32 columns as they are, as for dense ids), and then compacted:
 * rows of ids not in the map are empty (no edge has them as source), so internal vertex v's row starts
 * where id(v)'s did, and only the targets are mapped, in place (16M lookups, on the gang).
 *
 * The map keeps the ids' order (internal ids are ranks), so rows stay sorted and parallel arcs are the
 * same arcs: the compacted CSR is, array for array, the one built from the mapped endpoints. An
 * endpoint that is not in the map (a vertex file that does not declare it) is found by the compaction,
 * which then gives up, and the caller maps the endpoints the checking way, which names it.
 */
import type { GraphCsr } from './csr.js';
import type { IdColumn } from './idColumns.js';
import type { IdMap } from './idmap.js';
import { mapIds } from './idTable.js';
import type { Driver } from './parallel.js';
import { mapIdsDriver, mapsInParts, type ParallelIdsOptions } from './parallelIds.js';
import { sharedInt32, sharedOffsets } from './shared.js';

/**
 * The rows of a CSR built over the ids themselves (max id + 1), when every column is Int32 ids and the
 * map is a direct table (or an offset) over non-negative ids spanning at most 2n + 1024 rows; else undefined.
 */
export function idRows(map: IdMap, columns: readonly IdColumn[]): number | undefined {
  if (map.kind !== 'number' || map.size === 0 || map.isIdentity()) return undefined;
  const table = map.idTable();
  if ((table.kind !== 'offset' && table.kind !== 'table') || table.min < 0) return undefined;
  const rows = table.min + (table.kind === 'offset' ? table.size : table.table.length);
  if (rows > 2 * map.size + 1024) return undefined;
  return columns.every((c) => c.kind === 'number' && c.values instanceof Int32Array) ? rows : undefined;
}

/** The Int32 id columns of one end as one array (the one column itself when there is one). */
export function joinedIds(parts: readonly IdColumn[]): Int32Array {
  if (parts.length === 1) return parts[0]!.values as Int32Array;
  const columns = parts.map((c) => c.values as Int32Array);
  const out = sharedInt32(columns.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of columns) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The graph built over `idRows` rows, its rows and targets turned into internal ids (`ids`: the map's
 * original ids in internal id order); undefined when an endpoint is not in the map.
 */
export function* compactRows(graph: GraphCsr, map: IdMap, ids: Float64Array, parallel: ParallelIdsOptions): Driver<GraphCsr | undefined> {
  const { out } = graph;
  const n = map.size;
  const offsets = sharedOffsets(n, out.m);
  let arcs = 0;
  for (let v = 0; v < n; v++) {
    const row = ids[v]!;
    offsets[v] = out.offsets[row]!;
    arcs += out.offsets[row + 1]! - out.offsets[row]!;
  }
  offsets[n] = out.m;
  // Arcs left in rows of ids that are not in the map: a source that is not a vertex.
  if (arcs !== out.m) return undefined;
  const table = map.idTable();
  const targets: IdColumn = { kind: 'number', values: out.targets };
  // In place: a range reads each target before it writes it, and ranges are disjoint.
  const mapped = mapsInParts(() => table, [targets], parallel)
    ? yield* mapIdsDriver(table, [targets], [out.targets], parallel)
    : mapIds(table, targets, 0, out.m, out.targets, 0) < 0;
  if (!mapped) return undefined;
  return { ...graph, n, out: { n, m: out.m, offsets, targets: out.targets, weights: out.weights } };
}
