/**
 * The one check of a Series expression tree (base/frameExpr.ts) before it reaches an op, and through
 * it the kernel, which compiles operator names into generated source. A tree from the user's `Series`
 * methods passes by construction; one that did not come from them (a hand-built object, JSON from a
 * remote client: service/wire/rebuildFrameExpr.ts calls this with its limits) is rebuilt here node by
 * node through the same base builders the `Series` methods call (`binaryExpr`, `isinExpr`, ...). Every
 * operator must be a known one, every field the one its tag has, every literal a literal, and every
 * claimed dtype the one the builders derive from the operands; anything else is refused through the
 * caller's `refuse(place, why)`, naming the node's path (`mask.a.b`: the right operand of the left
 * operand). Limits on depth, node count, `isin` values and literal text bound what one check costs; a
 * local build has none (the recursion is the only bound, as it is for the builders' own trees).
 * Trees this check made are remembered, so an op builder handed one (the wire's, a pruned plan's) does
 * not rebuild it again.
 */
import { FRAME_DTYPES, type FrameDtype } from '../../base/frame.js';
import {
  ARITH_OPS, binaryExpr, castExpr, colExpr, COMPARE_OPS, fillExpr, type FrameBinaryOp, type FrameExpr, FRAME_UNARY_OPS, type FrameUnaryOp,
  isinExpr, type Literal, litExpr, LOGIC_OPS, STRING_OPS, type StringOp, stringExpr, unaryExpr,
} from '../../base/frameExpr.js';

/** What one expression may hold before the check refuses it. */
export interface ExprLimits {
  readonly depth: number;
  readonly nodes: number;
  readonly isinValues: number;
  readonly literalChars: number;
}

const UNLIMITED: ExprLimits = { depth: Infinity, nodes: Infinity, isinValues: Infinity, literalChars: Infinity };

const BINARY: ReadonlySet<string> = new Set<string>([...ARITH_OPS, ...COMPARE_OPS, ...LOGIC_OPS]);
const UNARY: ReadonlySet<string> = new Set<string>(FRAME_UNARY_OPS);
const STRING: ReadonlySet<string> = new Set<string>(STRING_OPS);
const DTYPES: ReadonlySet<unknown> = new Set<unknown>(FRAME_DTYPES);

/** The fields each tag's node has (no more: a node is hashed into the key as it is). */
const FIELDS: Readonly<Record<string, readonly string[]>> = {
  col: ['t', 'name', 'dtype'],
  lit: ['t', 'v', 'dtype'],
  bin: ['t', 'op', 'a', 'b', 'dtype'],
  un: ['t', 'op', 'a', 'dtype'],
  str: ['t', 'op', 'a', 'arg', 'dtype'],
  isin: ['t', 'a', 'values', 'dtype'],
  fill: ['t', 'a', 'v', 'dtype'],
  cast: ['t', 'a', 'dtype'],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
const isLiteral = (v: unknown): v is Literal => v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';

/** Builder messages can quote whole subtrees; a refusal quotes at most this much of one. */
const MAX_QUOTED = 300;

/** A sent value as a refusal quotes it: never more than a line of it. */
function quote(v: unknown): string {
  if (typeof v === 'string') return v.length > 60 ? `${JSON.stringify(v.slice(0, 60))}...` : JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'a list' : 'an object';
  return String(v);
}

/** Where a node is: its parent's place and the field it is in (a string only when an error names it). */
interface Place {
  readonly up: Place | null;
  readonly k: string;
}

function placeText(p: Place): string {
  const parts: string[] = [];
  for (let q: Place | null = p; q; q = q.up) parts.push(q.k);
  parts.reverse();
  return parts.length <= 12 ? parts.join('.') : `${parts.slice(0, 4).join('.')}...${parts.slice(-4).join('.')} (${parts.length - 1} levels down)`;
}

class Checker {
  nodes = 0;
  isinValues = 0;
  chars = 0;

  constructor(
    readonly limits: ExprLimits,
    readonly refuse: (place: string, why: string) => never,
  ) {}

  bad(path: Place, why: string): never {
    return this.refuse(placeText(path), why);
  }

  text(path: Place, s: string): string {
    this.chars += s.length;
    if (this.chars > this.limits.literalChars) this.bad(path, `takes the literal text past ${this.limits.literalChars} characters`);
    return s;
  }

  /** Runs a base builder; its type error (a string added to a number, ...) becomes a refusal at `path`. */
  build(path: Place, make: () => FrameExpr): FrameExpr {
    try {
      return make();
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      return this.bad(path, `is ill-typed: ${message.length > MAX_QUOTED ? `${message.slice(0, MAX_QUOTED)}...` : message}`);
    }
  }

  node(x: unknown, path: Place, depth: number): FrameExpr {
    if (depth > this.limits.depth) this.bad(path, `is deeper than ${this.limits.depth} levels`);
    if (++this.nodes > this.limits.nodes) this.bad(path, `takes the expression past ${this.limits.nodes} nodes`);
    if (!isObject(x)) return this.bad(path, 'is not an object');
    const t = x['t'];
    const fields = typeof t === 'string' && Object.hasOwn(FIELDS, t) ? FIELDS[t]! : this.bad(path, `has an unknown type ${quote(t)}`);
    const extra = Object.keys(x).find((k) => !fields.includes(k));
    if (extra !== undefined) this.bad(path, `(${t}) has a field ${quote(extra)} no ${t} node has`);
    const dtype = x['dtype'];
    if (!DTYPES.has(dtype)) this.bad(path, `(${t}) has dtype ${quote(dtype)}; the dtypes are ${FRAME_DTYPES.join(', ')}`);
    const made = this.make(x, t as string, dtype as FrameDtype, path, depth);
    if (made.t !== t) this.bad(path, `is a ${t} node its builder never makes (it would be the ${made.t} node under it)`);
    if (made.dtype !== dtype) this.bad(path, `(${t}) says ${String(dtype)} where its operands make ${made.dtype}`);
    // Frozen (its operands were, as they were made): a tree remembered as checked cannot change after.
    return Object.freeze(made);
  }

  make(x: Record<string, unknown>, t: string, dtype: FrameDtype, path: Place, depth: number): FrameExpr {
    const sub = (k: 'a' | 'b'): FrameExpr => this.node(x[k], { up: path, k }, depth + 1);
    const op = x['op'];
    switch (t) {
      case 'col': {
        const name = x['name'];
        if (typeof name !== 'string') return this.bad(path, '(col) needs a column name');
        return colExpr({ name: this.text(path, name), dtype });
      }
      case 'lit': {
        const v = x['v'];
        if (!isLiteral(v)) return this.bad(path, '(lit) holds something that is not a number, string, boolean or null');
        if (typeof v === 'string') this.text(path, v);
        // A null literal takes the dtype of what it meets; any other literal's dtype is its value's.
        return this.build(path, () => litExpr(v, dtype));
      }
      case 'bin': {
        if (typeof op !== 'string' || !BINARY.has(op)) return this.bad(path, `uses an unknown binary op ${quote(op)}`);
        const [a, b] = [sub('a'), sub('b')];
        return this.build(path, () => binaryExpr(op as FrameBinaryOp, a, b));
      }
      case 'un': {
        if (typeof op !== 'string' || !UNARY.has(op)) return this.bad(path, `uses an unknown unary op ${quote(op)}`);
        const a = sub('a');
        return this.build(path, () => unaryExpr(op as FrameUnaryOp, a));
      }
      case 'str': {
        if (typeof op !== 'string' || !STRING.has(op)) return this.bad(path, `uses an unknown string op ${quote(op)}`);
        const arg = x['arg'];
        if (arg !== undefined && typeof arg !== 'string') return this.bad(path, `(str.${op}) has an argument that is not a string`);
        if (arg !== undefined) this.text(path, arg);
        const a = sub('a');
        const made = this.build(path, () => stringExpr(op as StringOp, a, arg));
        if ((made as { arg?: string }).arg !== arg) this.bad(path, `(str.${op}) takes no argument`);
        return made;
      }
      case 'isin': {
        const values = x['values'];
        if (!Array.isArray(values)) return this.bad(path, '(isin) needs a list of values');
        this.isinValues += values.length;
        if (this.isinValues > this.limits.isinValues) {
          this.bad(path, `takes the expression past ${this.limits.isinValues} isin values: merge with a frame of the values instead`);
        }
        for (const v of values) {
          if (!isLiteral(v)) this.bad(path, '(isin) holds a value that is not a number, string, boolean or null');
          if (typeof v === 'string') this.text(path, v);
        }
        const a = sub('a');
        return this.build(path, () => isinExpr(a, values as Literal[]));
      }
      case 'fill': {
        const v = x['v'];
        if (!isLiteral(v) || v === null) return this.bad(path, '(fill) needs a number, string or boolean to fill with');
        if (typeof v === 'string') this.text(path, v);
        const a = sub('a');
        return this.build(path, () => fillExpr(a, v));
      }
      default: {
        const a = sub('a');
        return this.build(path, () => castExpr(a, dtype));
      }
    }
  }
}

/** Trees this check built (their subtrees were checked with them). */
const checked = new WeakSet<object>();

export interface RebuildExprOptions {
  /** The tree's name in the paths the refusals give (`mask`, `exprs[2]`). */
  readonly name: string;
  /** Throws the caller's error for the node at `place` (a path such as `mask.a`), saying `why`. */
  readonly refuse: (place: string, why: string) => never;
  readonly limits?: ExprLimits;
}

/**
 * `e` rebuilt through the base builders (or `e` itself when this check built it), or the caller's
 * refusal naming what is wrong and where. Columns are checked against a frame by the op builder.
 */
export function rebuildExpr(e: unknown, options: RebuildExprOptions): FrameExpr {
  if (typeof e === 'object' && e !== null && checked.has(e)) return e as FrameExpr;
  const made = new Checker(options.limits ?? UNLIMITED, options.refuse).node(e, { up: null, k: options.name }, 0);
  checked.add(made);
  return made;
}
