/**
 * Reading contexts: GraphScope's selector grammar (`v.id`, `v.data`, `r`, `r.<column>`; `v:label.prop`
 * on property graphs) parsed and checked at build time with GraphScope's error texts, half-open vertex
 * ranges typed by the graph's oid type, and the nodes that select arrays, build tables, write
 * Graphalytics output and add result columns back to a property graph.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeValue } from '../../base/args.js';
import { InvalidArgumentError, registerErrorClass, TesseraError } from '../../base/errors.js';
import type { Selector, VertexColumnSelector, VertexRange } from '../../kernels/graph/select.js';
import type { ColumnKind } from '../../kernels/graph/values.js';
import { type ContextMeta, type ContextNode, type GraphMeta, type GraphNode, registerSingleChunkOp } from './meta.js';
import { makeTileable, type TileableNode } from '../../dag/nodes.js';
import { serverFiles } from './sources.js';

export class SelectorError extends TesseraError {
  constructor(message: string) {
    super('InvalidSelector', message);
  }
}
registerErrorClass(SelectorError);

export function parseSelector(ctx: ContextMeta, text: unknown): Selector {
  if (text === null || text === undefined) throw new SelectorError('Selector in vertex data context cannot be None');
  if (typeof text !== 'string') throw new SelectorError(`Invalid selector: ${String(text)}`);
  const parts = text.split('.');
  if (parts.length > 2) throw new SelectorError(`Invalid selector: ${text}`);
  const [head, tail] = parts;
  switch (head) {
    case 'v':
      if (tail === 'id') return { kind: 'id' };
      if (tail === 'data') {
        if (!ctx.hasVertexData) throw new SelectorError("v.data: the projected graph has no vertex data (give its vertex label exactly one property to use it).");
        return { kind: 'data' };
      }
      throw new SelectorError("Selector of v must be 'v.id', 'v.data' or 'v.label_id'");
    case 'e':
      throw new SelectorError('Selector of e not supported yet');
    case 'r':
      if (ctx.contextType === 'vertex_data') {
        if (tail !== undefined) throw new SelectorError("Selector of r must be 'r'");
        return { kind: 'result', column: 'r' };
      }
      if (tail === undefined || !(tail in ctx.columns)) {
        throw new SelectorError(`Selector of r must be 'r.<column>' with a column of this ${ctx.algo} context: ${Object.keys(ctx.columns).map((c) => `r.${c}`).join(', ')}`);
      }
      return { kind: 'result', column: tail };
    default:
      throw new SelectorError(`Invalid selector: ${text}, choose from v / e / r`);
  }
}

export interface RangeSpec {
  readonly begin?: number | bigint | string;
  readonly end?: number | bigint | string;
}

export function parseRange(oidType: 'int64' | 'string', range: RangeSpec | undefined): VertexRange | undefined {
  if (range === undefined) return undefined;
  let bigint = false;
  const one = (name: 'begin' | 'end'): number | string | undefined => {
    const v = range[name];
    if (v === undefined) return undefined;
    if (oidType === 'string') {
      if (typeof v !== 'string') throw new InvalidArgumentError(`vertexRange.${name} must be a string: the graph's ids are strings.`);
      return v;
    }
    if (typeof v === 'bigint') {
      bigint = true;
      return v.toString();
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`vertexRange.${name} must be a number: the graph's ids are int64.`);
    return v;
  };
  const begin = one('begin');
  const end = one('end');
  return { ...(begin !== undefined ? { begin } : {}), ...(end !== undefined ? { end } : {}), ...(bigint ? { bigint } : {}) };
}

function projectedOf(ctx: ContextNode): TileableNode {
  return ctx.inputs[0]!;
}

export function selectNode(ctx: ContextNode, selector: unknown, range?: RangeSpec): TileableNode {
  const params = { selector: parseSelector(ctx.meta, selector), ...(range ? { range: parseRange(ctx.meta.oidType, range) } : {}) };
  return makeTileable('graph.select', params, [ctx, projectedOf(ctx)], { type: 'array' });
}

function selectorMap<S>(selectors: unknown, what: string, parse: (s: unknown) => S): Record<string, S> {
  if (typeof selectors !== 'object' || selectors === null || Array.isArray(selectors)) throw new InvalidArgumentError(`selector of ${what} must be a dict`);
  const entries = Object.entries(selectors as Record<string, unknown>);
  if (entries.length === 0) throw new InvalidArgumentError(`selector of ${what} must name at least one column.`);
  return Object.fromEntries(entries.map(([name, s]) => [name, parse(s)]));
}

/** Columns by selector as one Arrow table; `what` names the method in errors (GraphScope's `to_dataframe`, or `toArrow`). */
export function tableNode(ctx: ContextNode, selectors: unknown, range?: RangeSpec, what = 'to_dataframe'): TileableNode {
  const columns = selectorMap(selectors, what, (s) => parseSelector(ctx.meta, s));
  const params = { columns, ...(range ? { range: parseRange(ctx.meta.oidType, range) } : {}) };
  return makeTileable('graph.table', params, [ctx, projectedOf(ctx)], { type: 'table' });
}

const OUTPUT_CALL = 'Context.output(path, options)';

/**
 * The absolute path output will write, checked now so a wrong path fails at the user's line: its
 * directory must exist and be writable (output writes one file and creates no directories), and the
 * path must not be a directory.
 */
function outputPath(path: unknown): string {
  if (typeof path !== 'string' || path === '') {
    throw new InvalidArgumentError(`${OUTPUT_CALL}: path must be a file path (a non-empty string); got ${describeValue(path)}.`);
  }
  // A remote session's file is its server's: the server checks it, inside its data directory, when it rebuilds the node.
  if (serverFiles()) return path;
  const full = resolve(path);
  const dir = dirname(full);
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `${OUTPUT_CALL}: the directory ${dir} does not exist; create it first (mkdir -p ${dir}), or write somewhere else. output writes one file and creates no directories.`
        : `${OUTPUT_CALL}: cannot use the directory ${dir} (${code ?? (e as Error).message}).`,
    );
  }
  if (!st.isDirectory()) throw new InvalidArgumentError(`${OUTPUT_CALL}: ${dir} is not a directory; name a file in an existing directory.`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new InvalidArgumentError(`${OUTPUT_CALL}: the directory ${dir} is not writable; make it writable, or write somewhere else.`);
  }
  if (statSync(full, { throwIfNoEntry: false })?.isDirectory()) throw new InvalidArgumentError(`${OUTPUT_CALL}: ${full} is a directory; name a file in it.`);
  return full;
}

/**
 * Writes the Graphalytics text format (`<id> <value>` per vertex) to `path` (created or overwritten).
 * `shown`, on a server: the path as its client named it, which the result reports instead of the
 * server's own path; the server's write then follows no symbolic link at the path (O_NOFOLLOW), so a
 * link planted after the server checked the path cannot redirect it.
 */
export function outputNode(ctx: ContextNode, path: unknown, selector = 'r', shown?: string): TileableNode {
  const full = outputPath(path);
  const s = parseSelector(ctx.meta, selector);
  if (s.kind !== 'result') throw new InvalidArgumentError("output writes a result column: use 'r' (or 'r.<column>').");
  return makeTileable('graph.output', { path: full, column: s.column, ...(shown !== undefined ? { shown, noFollow: true } : {}) }, [ctx, projectedOf(ctx)], { type: 'value' });
}

const COLUMN_KIND: Record<string, ColumnKind> = { float: 'float64', integer: 'int64', depth: 'float64' };

/** The property graph with result columns added to the vertex label the context was computed on. */
export function addColumnNode(g: GraphNode, ctx: ContextNode, selectors: unknown): GraphNode {
  const columns = selectorMap(selectors, 'add column', (s) => parseSelector(ctx.meta, s));
  const projected = projectedOf(ctx) as TileableNode<{ type: string; vertexLabel: string }>;
  const label = projected.meta.vertexLabel;
  const have = g.meta.schema.vertices[label];
  if (!have) throw new InvalidArgumentError(`addColumn: the graph has no vertex label '${label}' (the context was computed on it).`);
  const kinds: Record<string, ColumnKind> = { ...have };
  for (const [name, s] of Object.entries(columns)) {
    if (name in have) throw new InvalidArgumentError(`addColumn: vertex label '${label}' already has a property '${name}'; choose another name.`);
    const result = s.kind === 'result' ? ctx.meta.columns[s.column]! : undefined;
    kinds[name] = s.kind === 'id' || result === 'label' ? (g.meta.oidType === 'string' ? 'string' : 'int64') : result ? COLUMN_KIND[result]! : 'float64';
  }
  const schema = { ...g.meta.schema, vertices: { ...g.meta.schema.vertices, [label]: kinds } };
  return makeTileable<GraphMeta>('graph.add_column', { label, columns }, [g, ctx, projected], { ...g.meta, schema });
}

/** A property graph's `'v:<label>.<property>'` / `'v:<label>.id'` selector, checked against its schema. */
function parseVertexSelector(g: GraphNode, selector: unknown): VertexColumnSelector {
  const m = /^v:([^.]+)\.(.+)$/.exec(typeof selector === 'string' ? selector : '');
  if (!m) throw new SelectorError(`Invalid selector: ${String(selector)}; a graph takes 'v:<label>.<property>' or 'v:<label>.id'`);
  const [, label, prop] = m as unknown as [string, string, string];
  const have = g.meta.schema.vertices[label];
  if (!have) throw new SelectorError(`Invalid selector: ${String(selector)}; the graph has no vertex label '${label}'`);
  if (prop !== 'id' && !(prop in have)) throw new SelectorError(`Invalid selector: ${String(selector)}; vertex label '${label}' has no property '${prop}'`);
  return { label, prop };
}

/** `g.toArray('v:label.prop')` / `'v:label.id'` on a property graph. */
export function vertexColumnNode(g: GraphNode, selector: string): TileableNode {
  return makeTileable('graph.vertex_column', { ...parseVertexSelector(g, selector) }, [g], { type: 'array' });
}

/** `g.toDataFrame({name: 'v:label.prop', ...})`: several vertex columns as one table, in one task. */
export function vertexTableNode(g: GraphNode, selectors: unknown, what = 'to_dataframe'): TileableNode {
  const columns = selectorMap(selectors, what, (s) => parseVertexSelector(g, s));
  return makeTileable('graph.vertex_table', { columns }, [g], { type: 'table' });
}

/** The raw property graph value (labels, id columns, property columns). */
export function exportNode(g: GraphNode): TileableNode {
  return makeTileable('graph.export', {}, [g], { type: 'value' });
}

/**
 * Selections of results and numeric ids are views of shared arrays (one pass at most), so they run on
 * the session's thread; a property column may be strings to decode, which stays on the pool.
 */
const viewOnly = (s: Selector): boolean => s.kind !== 'data';
registerSingleChunkOp('graph.select', { inline: (p: { readonly selector: Selector }) => viewOnly(p.selector) });
registerSingleChunkOp('graph.table', { inline: (p: { readonly columns: Readonly<Record<string, Selector>> }) => Object.values(p.columns).every(viewOnly) });
registerSingleChunkOp('graph.output');
registerSingleChunkOp('graph.add_column');
registerSingleChunkOp('graph.vertex_column');
registerSingleChunkOp('graph.vertex_table');
