/**
 * Column pruning (projection pushdown), a logical pass over one plan's tileable DAG before it is
 * tiled, as in DuckDB, Dask and Mars (its ColumnPruningRule): `readCsv(p).groupby(['id1']).agg({v1:
 * 'sum'})` parses the two columns it uses, not all nine. The per-op rules are in
 * ops/dataframe/columnsNeeded.ts.
 *
 * 1. From the targets down (reverse topological order), the columns each dataframe node must give its
 *    consumers in this plan: a target gives all of its columns, an op with a rule needs what the rule
 *    says of its inputs, any other consumer (an unknown op, a tensor or graph op, a sink) needs all.
 * 2. From the sources up, a source asked for a strict subset of its columns is replaced by the same
 *    source reading only those (in its own order); a node with a narrowed input is rebuilt over it by
 *    its rule. A replacement that ends up with exactly the original's columns is an *alias*: the tiler
 *    tiles the replacement in the original's place, and the original's consumers (and the results
 *    registered for targets, by the user's keys) are left untouched. Everything above an alias is
 *    tiled as built.
 *
 * Invariants:
 * - Nothing the session already executed is pruned, nor anything below it: it is reused as it is.
 * - A rebuilt node gives every column its consumers need, with the dtypes and in the relative order
 *   of the original (checked here: a rule that breaks this is a bug and fails the plan loudly).
 * - Rebuilt nodes keep the build site of the node they replace, so an error names the user's line.
 * - No source is narrowed to zero columns (a frame with none has no rows): it keeps its first.
 * - Pruning happens in lazy plans with several ops; in eager mode each op runs as it is built, so a
 *   source is always a target of its own and read whole.
 *
 * Behaviour it changes, knowingly: a column that is not read is not checked — text in a number column
 * nobody uses no longer fails the run (DuckDB and pandas `usecols` behave the same way).
 */
import type { TileableNode } from '../dag/nodes.js';
import { TOKEN } from '../base/tokenize.js';
import { topoSortTileables } from '../dag/walk.js';
import { type Needed, PRUNE_RULES, SOURCE_RULES } from '../ops/dataframe/columnsNeeded.js';
import { type FrameNode, isFrameNode } from '../ops/dataframe/meta.js';

export interface PrunedPlan {
  /** The nodes to tile, inputs first; an aliased original comes right after its replacement's subtree. */
  readonly order: readonly TileableNode[];
  /** Original key → the replacement with the same columns that is tiled in its place. */
  readonly alias: ReadonlyMap<string, TileableNode>;
  /** Replacement key → the node it replaces (plan notes are filed under the user's key). */
  readonly originalOf: ReadonlyMap<string, TileableNode>;
  /** Replacement source key → what pruning did to it ("read_csv: 2 of 9 columns (id1, v1)"). */
  readonly notes: ReadonlyMap<string, string>;
}

const NOTHING: ReadonlyMap<string, never> = new Map<string, never>();

/** The columns a node must give, resolved: every name it has, never none. */
function outOf(node: FrameNode, want: Needed | undefined): Set<string> {
  const all = node.meta.fields.map((f) => f.name);
  if (want === undefined || want === 'all') return new Set(all);
  const out = new Set(all.filter((n) => want.has(n)));
  if (out.size === 0 && all.length > 0) out.add(all[0]!);
  return out;
}

/** A copy of `node` with another build site (the key and everything else as they are). */
function withOrigin(node: TileableNode, origin: TileableNode['origin']): TileableNode {
  if (node.origin === origin) return node;
  const copy: TileableNode = { ...node, origin };
  Object.defineProperty(copy, TOKEN, { value: () => copy.key, enumerable: false });
  return Object.freeze(copy);
}

/** Fails unless `r` has every `out` column of `n`, each with its dtype, in `n`'s order, and nothing else. */
function checkReplacement(n: FrameNode, r: TileableNode, out: ReadonlySet<string>): void {
  const bug = (why: string): Error => new Error(`column pruning rebuilt ${n.op} (${n.key}) wrongly: ${why} (a bug in ops/dataframe/columnsNeeded.ts).`);
  if (!isFrameNode(r)) throw bug('it is not a dataframe');
  let at = 0;
  for (const f of r.meta.fields) {
    const j = n.meta.fields.findIndex((g, k) => k >= at && g.name === f.name);
    if (j < 0 || n.meta.fields[j]!.dtype !== f.dtype) throw bug(`column ${f.name} is out of order, new, or of another dtype`);
    at = j + 1;
  }
  const has = new Set(r.meta.fields.map((f) => f.name));
  for (const name of out) if (!has.has(name)) throw bug(`column ${name} is missing`);
}

const sameColumns = (a: FrameNode, b: FrameNode): boolean =>
  a.meta.fields.length === b.meta.fields.length && a.meta.fields.every((f, j) => f.name === b.meta.fields[j]!.name);

/** Nodes in dependency order where an aliased node's inputs are its replacement. */
function orderWithAliases(targets: readonly TileableNode[], alias: ReadonlyMap<string, TileableNode>, stop: (n: TileableNode) => boolean): TileableNode[] {
  const out: TileableNode[] = [];
  const seen = new Set<string>();
  const childrenOf = (n: TileableNode): readonly TileableNode[] => {
    if (stop(n)) return [];
    const a = alias.get(n.key);
    return a ? [a] : n.inputs;
  };
  for (const root of targets) {
    if (seen.has(root.key)) continue;
    seen.add(root.key);
    const stack: { node: TileableNode; next: number }[] = [{ node: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const children = childrenOf(top.node);
      if (top.next < children.length) {
        const child = children[top.next++]!;
        if (seen.has(child.key)) continue;
        seen.add(child.key);
        stack.push({ node: child, next: 0 });
      } else {
        stack.pop();
        out.push(top.node);
      }
    }
  }
  return out;
}

/** Prunes the columns of one plan; `executed` nodes are reused as they are and not looked behind. */
export function pruneColumns(targets: readonly TileableNode[], executed: (n: TileableNode) => boolean): PrunedPlan {
  const order = topoSortTileables(targets, { stopAt: executed });
  const unchanged: PrunedPlan = { order, alias: NOTHING, originalOf: NOTHING, notes: NOTHING };
  if (!order.some((n) => Object.hasOwn(SOURCE_RULES, n.op) && !executed(n))) return unchanged;

  // 1. What each frame node must give (consumers come before their inputs in reverse order).
  const want = new Map<string, Needed>();
  const ask = (n: TileableNode, need: Needed): void => {
    if (!isFrameNode(n)) return;
    const had = want.get(n.key);
    if (had === 'all') return;
    if (need === 'all' || had === undefined) want.set(n.key, need === 'all' ? 'all' : new Set(need));
    else for (const c of need) (had as Set<string>).add(c);
  };
  for (const t of targets) ask(t, 'all');
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!;
    if (executed(n)) continue;
    const rule = isFrameNode(n) ? PRUNE_RULES[n.op] : undefined;
    if (!rule) {
      for (const input of n.inputs) ask(input, 'all');
      continue;
    }
    const needs = rule.needs(n as FrameNode, outOf(n as FrameNode, want.get(n.key)));
    n.inputs.forEach((input, j) => ask(input, needs[j] ?? 'all'));
  }

  // 2. Narrow sources and rebuild what reads them, bottom up.
  const replaced = new Map<string, TileableNode>();
  const narrowed = new Set<string>();
  const alias = new Map<string, TileableNode>();
  const originalOf = new Map<string, TileableNode>();
  const notes = new Map<string, string>();
  for (const n of order) {
    if (executed(n) || !isFrameNode(n)) continue;
    const out = outOf(n, want.get(n.key));
    let r: TileableNode;
    const source = SOURCE_RULES[n.op];
    if (source) {
      const keep = n.meta.fields.map((f) => f.name).filter((c) => out.has(c));
      if (keep.length === n.meta.fields.length) continue;
      r = source.narrow(n, keep);
      notes.set(r.key, `${n.op.slice('frame.'.length)}: ${keep.length} of ${n.meta.fields.length} columns (${keep.join(', ')})`);
    } else {
      if (!n.inputs.some((i) => narrowed.has(i.key))) continue;
      const rule = PRUNE_RULES[n.op];
      if (!rule) throw new Error(`column pruning narrowed an input of ${n.op} (${n.key}), which has no rule (a bug in session/prune.ts).`);
      const inputs = n.inputs.map((i) => (replaced.get(i.key) ?? i) as FrameNode);
      r = rule.rebuild(n, inputs, out);
      if (inputs.includes(r as FrameNode)) {
        // The op does nothing to the columns still needed (an assign of unused columns): its input stands in.
        checkReplacement(n, r, out);
        replaced.set(n.key, r);
        if (sameColumns(n, r as FrameNode)) alias.set(n.key, r);
        else narrowed.add(n.key);
        continue;
      }
    }
    checkReplacement(n, r, out);
    r = withOrigin(r, n.origin);
    replaced.set(n.key, r);
    originalOf.set(r.key, n);
    if (sameColumns(n, r as FrameNode)) alias.set(n.key, r);
    else narrowed.add(n.key);
  }
  if (replaced.size === 0) return unchanged;
  return { order: orderWithAliases(targets, alias, executed), alias, originalOf, notes };
}
