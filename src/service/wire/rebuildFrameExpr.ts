/**
 * A Series expression (base/frameExpr.ts) as it arrives from a remote client: untrusted JSON. It is
 * checked (rebuilt node by node through the base builders) by the one expression check the op builders
 * use too, ops/dataframe/exprCheck.ts. What is the wire's own is the policy: a refusal is a MalformedWire
 * error naming the node's path, and the tree's depth, node count, `isin` values and literal text are
 * bounded, so no request can exhaust the stack or keep the server busy hashing and compiling. The limits
 * are far above what a pipeline writes by hand, and a bigger `isin` list is a merge with a frame of the
 * values.
 */
import type { FrameExpr } from '../../base/frameExpr.js';
import { type ExprLimits, rebuildExpr } from '../../ops/dataframe/exprCheck.js';
import { malformed } from './errors.js';

/** Deepest expression a server takes (a chain of 1000 `.add(1)` is 1001 deep). */
export const MAX_FRAME_EXPR_DEPTH = 1024;
/** Most nodes in one expression (compiling the largest into one loop takes a fraction of a second). */
export const MAX_FRAME_EXPR_NODES = 16_384;
/** Most `isin` values in one expression, over all its `isin` nodes. */
export const MAX_ISIN_VALUES = 1 << 20;
/** Most characters of literal text (string literals, patterns, `isin` strings) in one expression. */
export const MAX_LITERAL_CHARS = 1 << 26;

const WIRE_LIMITS: ExprLimits = { depth: MAX_FRAME_EXPR_DEPTH, nodes: MAX_FRAME_EXPR_NODES, isinValues: MAX_ISIN_VALUES, literalChars: MAX_LITERAL_CHARS };

/**
 * The expression `e` rebuilt through the base builders, or a MalformedWire error naming what is wrong
 * and where (`expr.a.b`: the right operand of the left operand). Columns are checked against the frame
 * afterwards, by the op builder the result goes to.
 */
export function checkFrameExpr(e: unknown, where: string, name = 'expr'): FrameExpr {
  return rebuildExpr(e, {
    name,
    limits: WIRE_LIMITS,
    refuse: (place, why) => {
      throw malformed(`${where}: the expression's node ${place} ${why}.`);
    },
  });
}
