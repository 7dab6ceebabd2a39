/**
 * Results in the Graphalytics output format: one `<original id> <value>` line per vertex, in internal
 * (= original id) order. Integers print as digits; BFS_UNREACHED prints as 9223372036854775807
 * (Long.MAX_VALUE, which `String(2**63 - 1)` would round to 9223372036854776000); floats print as the
 * shortest text that reads back to the same double, and +Infinity as `infinity`. Label results (WCC,
 * CDLP) hold internal vertex ids and print the original id of that vertex.
 */
import { constants, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { BFS_UNREACHED, BFS_UNREACHED_TEXT } from './bfs.js';
import { OutputFileError } from './errors.js';
import type { IdMap } from './idmap.js';

export type AlgorithmOutput =
  /** BFS depths, BFS_UNREACHED for unreached vertices. */
  | { readonly kind: 'depth'; readonly values: Int32Array }
  /** Internal vertex ids standing for a vertex (WCC components, CDLP communities). */
  | { readonly kind: 'label'; readonly values: Int32Array }
  /** Plain integers (k-core membership, core numbers, triangle counts). */
  | { readonly kind: 'integer'; readonly values: Int32Array | Float64Array }
  /** Floats (PageRank, LCC, SSSP distances, centralities). */
  | { readonly kind: 'float'; readonly values: Float64Array };

/** Shortest round-trip text of a double; `infinity`, `-infinity` and `nan` for the special values. */
export function formatFloat(x: number): string {
  if (Number.isFinite(x)) return String(x);
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'infinity' : '-infinity';
}

function formatValue(ids: IdMap, output: AlgorithmOutput, v: number): string {
  switch (output.kind) {
    case 'depth': {
      const d = output.values[v]!;
      return d === BFS_UNREACHED ? BFS_UNREACHED_TEXT : String(d);
    }
    case 'label':
      return ids.formatId(output.values[v]!);
    case 'integer':
      return String(output.values[v]!);
    case 'float':
      return formatFloat(output.values[v]!);
  }
}

/** The output text in chunks of `linesPerChunk` lines, for writing large results as a stream. */
export function* graphalyticsChunks(ids: IdMap, output: AlgorithmOutput, linesPerChunk = 65536): Generator<string> {
  const n = ids.size;
  if (output.values.length !== n) {
    throw new RangeError(`the result has ${output.values.length} values for ${n} vertices`);
  }
  for (let start = 0; start < n; start += linesPerChunk) {
    const lines: string[] = [];
    const end = Math.min(n, start + linesPerChunk);
    for (let v = start; v < end; v++) lines.push(`${ids.formatId(v)} ${formatValue(ids, output, v)}\n`);
    yield lines.join('');
  }
}

/** The whole output text. */
export function formatGraphalytics(ids: IdMap, output: AlgorithmOutput): string {
  return [...graphalyticsChunks(ids, output)].join('');
}

/**
 * Opens (creates or truncates) a result file. Its directory must exist: output writes one file, as
 * every file writer does, and never creates directories — a typo in a path should not leave a tree of
 * them behind. With `noFollow` (a server writing for a remote client) a symbolic link at the path is
 * refused rather than followed (O_NOFOLLOW): the server checked the path when the request came, and a
 * link planted there since must not send the write anywhere else. A failure names the path and what to
 * do instead of a bare errno.
 */
export function openOutputFile(path: string, options: { readonly noFollow?: boolean } = {}): number {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (options.noFollow ? constants.O_NOFOLLOW : 0);
  try {
    return openSync(path, flags, 0o666);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const dir = dirname(path);
    const reason =
      code === 'ENOENT' ? `the directory ${dir} does not exist (it was removed after the output was built?); create it, or write somewhere else`
      : code === 'EACCES' || code === 'EPERM' ? `permission denied; make ${dir} writable, or write somewhere else`
      : code === 'EISDIR' ? 'it is a directory; name a file in it'
      : code === 'ELOOP' && options.noFollow ? 'it is a symbolic link, and the server writes output through no link; remove the link, or name another file'
      : `${code ?? (e as Error).message}`;
    throw new OutputFileError(path, reason);
  }
}
