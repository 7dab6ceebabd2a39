/**
 * The DAG as plain data. A client sends the tileable nodes a request needs — op name, params (user
 * functions as their source text, typed arrays as binary parts), input keys and meta — leaving out those
 * the server already holds for its session. The server rebuilds every node through its op's builder
 * (rebuildTensor.ts, rebuildGraph.ts), in dependency order, so keys and metas are recomputed and must
 * equal what the client claimed: a wrong key or shape, an unknown op, a cycle, an input nobody sent or a
 * bad param is refused with a typed error before anything runs.
 */
import { CycleError } from '../../base/errors.js';
import { processOptions, setOption } from '../../base/processOptions.js';
import type { TileableNode } from '../../dag/nodes.js';
import { PERSISTED_OP, withLocalFiles } from '../../ops/graph/index.js';
import { malformed, WireError } from './errors.js';
import { Params } from './params.js';
import { FRAME_REBUILDERS } from './rebuildFrame.js';
import { FRAME_FILE_OPS } from './rebuildFrameFiles.js';
import { GRAPH_REBUILDERS, namesFile } from './rebuildGraph.js';
import { type Rebuilder, TENSOR_REBUILDERS } from './rebuildTensor.js';

export interface WireNode {
  readonly key: string;
  readonly op: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly inputs: readonly string[];
  readonly meta: unknown;
}

const REBUILDERS: Readonly<Record<string, Rebuilder>> = { ...TENSOR_REBUILDERS, ...GRAPH_REBUILDERS, ...FRAME_REBUILDERS };

/** Ops the server can rebuild (a persisted graph or context is never sent: the server holds it). */
export const WIRE_OPS: readonly string[] = Object.keys(REBUILDERS);

/**
 * The nodes `roots` need that `known` does not hold, inputs before their consumers, each key once.
 * Iterative, so a chain of thousands of lazy ops does not exhaust the stack.
 */
export function collectNodes(roots: readonly TileableNode[], known: (key: string) => boolean): TileableNode[] {
  const out: TileableNode[] = [];
  const seen = new Set<string>();
  const stack: [TileableNode, number][] = [];
  for (const root of roots) {
    if (seen.has(root.key) || known(root.key)) continue;
    seen.add(root.key);
    stack.push([root, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, next] = top;
      if (next < node.inputs.length) {
        top[1]++;
        const input = node.inputs[next]!;
        if (!seen.has(input.key) && !known(input.key)) {
          seen.add(input.key);
          stack.push([input, 0]);
        }
      } else {
        stack.pop();
        out.push(node);
      }
    }
  }
  return out;
}

export function toWire(node: TileableNode): WireNode {
  // A persisted graph's params hold the shared value itself; the server knows it by key.
  const params = node.op === PERSISTED_OP ? {} : node.params;
  return { key: node.key, op: node.op, params, inputs: node.inputs.map((i) => i.key), meta: node.meta };
}

export interface RebuildOptions {
  /** A node the session already holds, by the key the client knows it by. */
  lookup(key: string): TileableNode | undefined;
  readonly allowUserCode: boolean;
  resolvePath(path: string): string;
}

function checkShape(value: unknown): WireNode[] {
  if (!Array.isArray(value)) throw malformed('nodes must be a list.');
  return value.map((n, i) => {
    const x = n as Partial<WireNode>;
    if (typeof x !== 'object' || x === null || typeof x.key !== 'string' || typeof x.op !== 'string' || !Array.isArray(x.inputs) || !x.inputs.every((k) => typeof k === 'string')) {
      throw malformed(`node ${i} must be {key, op, params, inputs: [keys], meta}.`);
    }
    return x as WireNode;
  });
}

/** The wire nodes in dependency order; a cycle among them is a CycleError naming it. */
function ordered(nodes: readonly WireNode[]): WireNode[] {
  const byKey = new Map<string, WireNode>();
  for (const n of nodes) {
    if (byKey.has(n.key)) throw malformed(`node ${n.key} is sent twice.`);
    byKey.set(n.key, n);
  }
  const state = new Map<string, 'open' | 'done'>();
  const out: WireNode[] = [];
  for (const root of nodes) {
    if (state.has(root.key)) continue;
    const stack: [WireNode, number][] = [[root, 0]];
    state.set(root.key, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, next] = top;
      if (next < node.inputs.length) {
        top[1]++;
        const input = byKey.get(node.inputs[next]!);
        if (!input) continue;
        const s = state.get(input.key);
        if (s === 'open') {
          const path = stack.map(([n]) => n.key);
          throw new CycleError([...path.slice(path.indexOf(input.key)), input.key]);
        }
        if (s === undefined) {
          state.set(input.key, 'open');
          stack.push([input, 0]);
        }
      } else {
        stack.pop();
        state.set(node.key, 'done');
        out.push(node);
      }
    }
  }
  return out;
}

/**
 * Whether the client's meta `b` is the rebuilt `a`. Where the rebuild cannot know an extent (NaN: a
 * filter's rows) the client may: its handle learnt it from a run (api/dataframe.ts `shape`).
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && typeof b === 'number';
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Rebuilds the sent nodes; returns them by the key the client knows them by. A node that reads a file
 * of the server (or builds on one) gets the server's key; every other node's rebuilt key must be the
 * claimed one.
 */
export function rebuildNodes(value: unknown, options: RebuildOptions): Map<string, TileableNode> {
  const nodes = ordered(checkShape(value));
  const sent = new Set(nodes.map((n) => n.key));
  const missing = [...new Set(nodes.flatMap((n) => n.inputs).filter((k) => !sent.has(k) && options.lookup(k) === undefined))];
  if (missing.length > 0) {
    throw new WireError('UnknownInput', `the session holds no node ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}: send it with the request.`, { missing });
  }
  const built = new Map<string, TileableNode>();
  const serverKeyed = new Set<string>();
  // The server's stack says nothing about the user's line; the client attaches its own build sites.
  const capture = processOptions.buildSiteCapture;
  if (capture) setOption('buildSiteCapture', false);
  try {
    withLocalFiles(() => rebuildInOrder(nodes, options, built, serverKeyed));
  } finally {
    if (capture) setOption('buildSiteCapture', true);
  }
  return built;
}

function rebuildInOrder(nodes: readonly WireNode[], options: RebuildOptions, built: Map<string, TileableNode>, serverKeyed: Set<string>): void {
  for (const wire of nodes) {
    const where = `node ${wire.key} (${wire.op})`;
    if (wire.op === PERSISTED_OP) throw new WireError('UnknownInput', `${where}: a persisted graph comes from the server; get it with getNamed.`, { missing: [wire.key] });
    const rebuild = Object.hasOwn(REBUILDERS, wire.op) ? REBUILDERS[wire.op]! : undefined;
    if (!rebuild) throw new WireError('UnknownOp', `${where}: no op named '${wire.op}' exists on this server.`);
    const inputs = wire.inputs.map((k) => built.get(k) ?? options.lookup(k)!);
    const candidates = rebuild({ params: new Params(wire.params, where), inputs, where, allowUserCode: options.allowUserCode, resolvePath: options.resolvePath });
    const node = pick(candidates, wire.key);
    const fromFile = namesFile(wire.op, wire.params) || FRAME_FILE_OPS.has(wire.op) || wire.inputs.some((k) => serverKeyed.has(k));
    if (node.op !== wire.op || (!fromFile && node.key !== wire.key)) {
      throw new WireError('KeyMismatch', `${where}: its op and params make ${node.op} ${node.key}, not the key it was sent with.`);
    }
    if (!sameJson(node.meta, wire.meta)) throw new WireError('MetaMismatch', `${where}: its meta is ${JSON.stringify(node.meta)}, not what it was sent with.`);
    if (fromFile) serverKeyed.add(wire.key);
    built.set(wire.key, node);
  }
}

function pick(rebuilt: TileableNode | readonly (() => TileableNode)[], key: string): TileableNode {
  if (!Array.isArray(rebuilt)) return rebuilt as TileableNode;
  let first: TileableNode | undefined;
  let error: unknown;
  for (const make of rebuilt as readonly (() => TileableNode)[]) {
    try {
      const node = make();
      if (node.key === key) return node;
      first ??= node;
    } catch (e) {
      error ??= e;
    }
  }
  if (first) return first;
  throw error;
}
