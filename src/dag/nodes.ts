/**
 * Tileable nodes: the coarse DAG users build. A node is frozen plain data `{kind, key, op, params,
 * inputs, meta}`; its key is the op name plus a content hash of the op, its canonical params and its
 * inputs' keys, so equal expressions get equal keys in every process and the session cache works across
 * runs (Dask tokenize, Mars keys). The build site (stack of the line that created the node) rides along
 * outside the key, so a failure at run time can point at the user's line.
 */
import { processOptions } from '../base/processOptions.js';
import { tokenize, TOKEN } from '../base/tokenize.js';

/** Each op family declares its own meta shape; `type` tells them apart (tensor, graph, context, ...). */
export interface NodeMeta {
  readonly type: string;
}

export interface TileableNode<M extends NodeMeta = NodeMeta> {
  readonly kind: 'tileable';
  readonly key: string;
  readonly op: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly inputs: readonly TileableNode[];
  readonly meta: M;
  /** Where the node was built: the stack text of the line that built it. */
  readonly origin: BuildSite | undefined;
}

export interface BuildSite {
  readonly stack: string | undefined;
}

/** V8's frame text (`    at fn (file:line:col)`), built straight from the call sites. */
function formatFrames(_error: unknown, sites: readonly NodeJS.CallSite[]): string {
  let text = 'Error';
  for (const site of sites) {
    const where = `${site.getFileName() ?? '<anonymous>'}:${site.getLineNumber()}:${site.getColumnNumber()}`;
    const name = site.getFunctionName();
    text += name ? `\n    at ${name} (${where})` : `\n    at ${where}`;
  }
  return text;
}

/**
 * The stack of the line building an op, as text; the `buildSiteCapture` process option turns it off.
 * Formatted now: an unformatted trace keeps every frame's receiver alive — the handle an op was called
 * on, the user's objects up the stack — so a node would hold the handles it was built from, and with
 * them their results. Node's own formatting took about 40 µs a node (measured in an eager loop), the
 * plain one here a few; with source maps on (tsx, --enable-source-maps) Node's is kept, since only it
 * maps positions back to the sources.
 */
function captureSite(): BuildSite | undefined {
  if (!processOptions.buildSiteCapture) return undefined;
  const e: { stack?: string } = {};
  const previous = Error.prepareStackTrace;
  if (!process.sourceMapsEnabled) Error.prepareStackTrace = formatFrames;
  try {
    Error.captureStackTrace(e, makeTileable);
    return { stack: e.stack };
  } finally {
    Error.prepareStackTrace = previous;
  }
}

export function keyOf(op: string, params: Readonly<Record<string, unknown>>, inputs: readonly TileableNode[]): string {
  return `${op}-${tokenize(op, params, inputs.map((i) => i.key))}`;
}

export function makeTileable<M extends NodeMeta>(
  op: string,
  params: Readonly<Record<string, unknown>>,
  inputs: readonly TileableNode[],
  meta: M,
  options: { readonly key?: string } = {},
): TileableNode<M> {
  const node: TileableNode<M> = {
    kind: 'tileable',
    key: options.key ?? keyOf(op, params, inputs),
    op,
    params: Object.freeze({ ...params }),
    inputs: Object.freeze([...inputs]),
    meta: Object.freeze(meta),
    origin: captureSite(),
  };
  Object.defineProperty(node, TOKEN, { value: () => node.key, enumerable: false });
  return Object.freeze(node);
}

/** Per node, the nodes derived from it by `derivedNode`, by slot. */
const derived = new WeakMap<TileableNode, Map<string, TileableNode>>();

/**
 * The node `make` builds from `from` for `slot`, built once per `from` object: for nodes a rule derives
 * from another node alone (an app's implicit projection of its graph, a projection's layouts), which
 * every app on that graph builds again. The same op, params and inputs give the same key anyway; what
 * the memo saves is the build itself — the key's hash and the build site's stack walk, ~10 µs a node,
 * four nodes of a warm BFS's six. Such a node keeps the build site of the first line that needed it.
 * `slot` must name everything besides `from` that `make` reads.
 */
export function derivedNode<N extends TileableNode>(from: TileableNode, slot: string, make: () => N): N {
  let slots = derived.get(from);
  if (!slots) derived.set(from, (slots = new Map()));
  const known = slots.get(slot) as N | undefined;
  if (known) return known;
  const node = make();
  slots.set(slot, node);
  return node;
}

/**
 * `node` with a fuller meta: the same computation (same key, op, params, inputs and build site) now that
 * a run has measured what its build could not know (a filter's rows). Nodes built from it carry the fact
 * on, as Mars's tileables do once executed.
 */
export function withMeta<M extends NodeMeta>(node: TileableNode<M>, meta: M): TileableNode<M> {
  const twin: TileableNode<M> = { kind: 'tileable', key: node.key, op: node.op, params: node.params, inputs: node.inputs, meta: Object.freeze(meta), origin: node.origin };
  Object.defineProperty(twin, TOKEN, { value: () => twin.key, enumerable: false });
  return Object.freeze(twin);
}

/** The stack text of the line that built `node`, for error messages. */
export function buildStackOf(node: TileableNode): string | undefined {
  return node.origin?.stack;
}
