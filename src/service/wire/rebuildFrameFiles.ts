/**
 * Rebuilding dataframe file sources (readCsv, readParquet, readArrow) and sinks on the server, under its file rules
 * as graph file sources are (rebuildGraph.ts): the path the client sent is resolved inside the data
 * directory (`resolvePath`: '..', absolute paths elsewhere and symlinks out of it are a 403 that quotes
 * nothing), and the node is rebuilt by the same builder reading the server's file. Such a node is keyed
 * by what the server finds (its file's path, size and modification time: `FRAME_FILE_OPS`), and its
 * schema must be the one the client built against, or it is a MetaMismatch.
 *
 * Sinks (toParquet, toArrowFile) write only inside the data directory too.
 *
 * The options are read back from the params: a CSV's columns, with their dtypes forced to the client's
 * (so the server reads the columns the client typed against, and a value that does not fit fails with
 * the file, line and column); the header flag from where the data starts; an Arrow file's chunking from
 * its groups of record batches.
 */
import type { TileableNode } from '../../dag/nodes.js';
import { readArrowNode, readCsvNode, readParquetNode, toArrowFileNode, toParquetNode } from '../../ops/dataframe/index.js';
import { malformed } from './errors.js';
import { frameInput } from './rebuildFrameOps.js';
import type { RebuildInput, Rebuilder } from './rebuildTensor.js';

/** Ops whose nodes read a file of the server: they carry the server's key, not the client's. */
export const FRAME_FILE_OPS: ReadonlySet<string> = new Set(['frame.read_csv', 'frame.read_parquet', 'frame.read_arrow']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

/** The server's path for the file the node names (refused outside the data directory). */
function serverPath(r: RebuildInput): string {
  const file = r.params.object('file');
  if (typeof file['path'] !== 'string') throw malformed(`${r.where}: params.file.path must be a path.`);
  if (r.inputs.length !== 0) throw malformed(`${r.where}: a file source takes no inputs.`);
  return r.resolvePath(file['path']);
}

/** Names of a list of `{name}` objects (a field list or a CSV layout's columns). */
function namesOf(v: unknown, what: string, where: string): string[] {
  if (!Array.isArray(v) || !v.every((c) => isObject(c) && typeof c['name'] === 'string')) throw malformed(`${where}: ${what} must be a list of {name, ...}.`);
  return v.map((c) => (c as { name: string }).name);
}

/** Of the candidates that build, the one `prefer` accepts, else the first (its meta is then checked). */
function firstOf(makes: readonly (() => TileableNode)[], prefer: (n: TileableNode) => boolean): TileableNode {
  let first: TileableNode | undefined;
  let error: unknown;
  for (const make of makes) {
    try {
      const node = make();
      if (prefer(node)) return node;
      first ??= node;
    } catch (e) {
      error ??= e;
    }
  }
  if (first) return first;
  throw error;
}

function readCsv(r: RebuildInput): TileableNode {
  const path = serverPath(r);
  const layout = r.params.object('layout');
  const columns = layout['columns'];
  const names = namesOf(columns, 'params.layout.columns', r.where);
  const dtypes = Object.fromEntries((columns as { name: string; dtype: unknown }[]).map((c) => [c.name, c.dtype]));
  const nullValues = layout['nullValues'];
  if (!Array.isArray(nullValues) || !nullValues.every((v) => typeof v === 'string')) throw malformed(`${r.where}: params.layout.nullValues must be a list of strings.`);
  const delimiter = layout['delimiter'];
  if (typeof delimiter !== 'string') throw malformed(`${r.where}: params.layout.delimiter must be a string.`);
  const options = {
    delimiter, nullValues, chunkBytes: r.params.int('chunkBytes'), ...(names.length > 0 ? { columns: names, dtypes } : {}),
  };
  const dataStart = r.params.int('dataStart');
  // Whether the file has a header is not a param of its own: the candidate whose data starts where the
  // client's did is the one the client built.
  return firstOf(
    [true, false].map((header) => () => readCsvNode(path, { ...options, header } as never)),
    (n) => (n.params as { dataStart?: number }).dataStart === dataStart,
  );
}

function readParquet(r: RebuildInput): TileableNode {
  const path = serverPath(r);
  return readParquetNode(path, { columns: namesOf(r.params.raw('fields'), 'params.fields', r.where) });
}

interface Block {
  readonly offset: number;
  readonly length: number;
}

/**
 * A `chunkBytes` that cuts the record batches into exactly `groups`: the largest group of two or more
 * batches fits it, and every group plus the next batch exceeds it (the client's value did the same).
 */
function chunkBytesFor(groups: unknown, where: string): number | undefined {
  if (!Array.isArray(groups) || !groups.every((g) => Array.isArray(g) && g.every((b) => isObject(b) && Number.isSafeInteger(b['length'])))) {
    throw malformed(`${where}: params.groups must be lists of record-batch blocks {offset, length}.`);
  }
  const sums = (groups as Block[][]).filter((g) => g.length > 1).map((g) => g.reduce((s, b) => s + b.length, 0));
  return sums.length > 0 ? Math.max(...sums) : groups.length > 1 ? 1 : undefined;
}

function readArrow(r: RebuildInput): TileableNode {
  const path = serverPath(r);
  const columns = namesOf(r.params.raw('fields'), 'params.fields', r.where);
  const sent = JSON.stringify(r.params.raw('groups'));
  const cb = chunkBytesFor(r.params.raw('groups'), r.where);
  return firstOf(
    [cb, undefined].map((chunkBytes) => () => readArrowNode(path, { columns, ...(chunkBytes !== undefined && chunkBytes > 0 ? { chunkBytes } : {}) })),
    (n) => JSON.stringify((n.params as { groups?: unknown }).groups) === sent,
  );
}

export const FRAME_FILE_REBUILDERS: Readonly<Record<string, Rebuilder>> = {
  'frame.read_csv': readCsv,
  'frame.read_parquet': readParquet,
  'frame.read_arrow': readArrow,
  // A sink writes where the client named, inside the data directory (as graph.output does). Its path is
  // in its key and meta, so a target the server resolves elsewhere than the client did is refused.
  'frame.to_parquet': (r) => toParquetNode(frameInput(r, 0), r.resolvePath(r.params.string('path'))),
  'frame.to_arrow_file': (r) => toArrowFileNode(frameInput(r, 0), r.resolvePath(r.params.string('path'))),
};
