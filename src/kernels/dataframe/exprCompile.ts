/**
 * Compiles a Series expression (base/frameExpr.ts) into one generated loop over a chunk's rows — the
 * dataframe analogue of tensor fusion. Every node becomes a few statements in the loop body that set
 * a local for its value (numbers as numbers, booleans as 0/1, strings as dictionary codes) and give a
 * JS condition for its validity, so null propagation and Kleene logic cost no arrays and no calls.
 * Strings never reach the row loop as text when a literal is involved: comparisons, predicates, `len`
 * and `isin` become per-code tables, and `lower`/`upper` a code remapping (exprStrings.ts).
 *
 * Everything data-dependent (arrays, tables, numeric literals) is bound from `B` as locals, so the
 * source depends only on the expression's shape and on which inputs have nulls: chunks of one
 * expression, and expressions differing only in constants, share one compiled function, cached by
 * its source text.
 *
 * Semantics beyond frameExpr.ts's null rules, decided here:
 * - NaN is a float value, not a null (Arrow): `isNull` reads validity only, so NaN is not null and
 *   fill/dropna leave it alone — pandas, whose float null *is* NaN, differs here.
 * - float division by zero is IEEE (±Infinity, NaN); float `floordiv`/`mod` are NumPy's (mod takes
 *   the divisor's sign); int32 `mod`/`floordiv` by zero give null, and so does the one int32 quotient
 *   that does not fit (-2147483648 floordiv -1).
 * - cast float64 → int32 truncates toward zero; NaN, ±Infinity and values out of int32 range give null.
 *   Number/bool → bool is "not zero" (NaN is true, as in NumPy). bool → number is 0/1.
 * - cast to string: bool → 'true'/'false'; numbers → JavaScript's shortest round-trip text (3.0 → '3',
 *   -0 → '0', NaN → 'NaN'). Number → string is the one node evaluated in a pass of its own (its
 *   dictionary is not known before the rows are seen).
 * - `isin` never gives null: a null row is in the list exactly when the list holds null (pandas).
 * - string order is code-point order; `len` counts code points; `contains` is a literal substring test.
 * - `round` is half to even (NumPy); `pow` is JavaScript's Math.pow (1 ** NaN is NaN).
 */
import { BoundedCache } from '../../base/boundedCache.js';
import { DTypeError, InvalidArgumentError } from '../../base/errors.js';
import { allocBytes, allocFloat64, allocInt32, type FrameChunk, type FrameColumn, type StringColumn } from '../../base/frame.js';
import { COMPARE_OPS, type CompareOp, describeExpr, type FrameExpr } from '../../base/frameExpr.js';
import { show } from '../../base/show.js';
import { dictStrings, EMPTY_DICT, type Utf8Dict, utf8DictOf } from '../../base/utf8Dict.js';
import { HELPERS } from '../tensor/expr.js';
import {
  boolTable, codePointLength, compareHolds, compareStrings, flipCompare, intTable, remapDict,
} from './exprStrings.js';

/** Helpers the generated code calls as `H.*`. */
const H = Object.freeze({ rint: HELPERS.rint, fdivf: HELPERS.fdivf, modf: HELPERS.modf, cmp: compareStrings, modi });

/** Python's integer mod (sign of the divisor) for a nonzero int32 divisor. */
function modi(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** A node inside the loop: JS text of its value and of its validity ('true' = never null). */
interface Val {
  readonly v: string;
  readonly ok: string;
  /** String nodes: the dictionary their codes index. */
  readonly dict?: readonly string[];
}

const NULL_VAL: Val = { v: '0', ok: 'false' };

class Gen {
  readonly binds: unknown[] = [];
  readonly head: string[] = [];
  readonly body: string[] = [];
  /** A column read twice is read once per row. */
  readonly reads = new Map<FrameColumn, Val>();
  /** A column's dictionary decoded to strings → the dictionary itself (an unchanged one is reused). */
  readonly decodedFrom = new Map<readonly string[], Utf8Dict>();
  #temps = 0;

  constructor(readonly chunk: FrameChunk) {}

  /**
   * A local bound from `B`. Its type is written into the source as a comment so that expressions of
   * the same shape over different dtypes (`col(i) + 1`, `col(f) + 1`) get separate, monomorphic loops.
   */
  bind(x: unknown): string {
    const name = `b${this.binds.length}`;
    const type = typeof x === 'object' && x !== null ? x.constructor.name : typeof x;
    this.head.push(`const ${name} = B[${this.binds.length}]; // ${type}`);
    this.binds.push(x);
    return name;
  }

  /** A string column's dictionary as JavaScript strings (per-entry work is done on these). */
  strings(d: Utf8Dict): readonly string[] {
    const s = dictStrings(d);
    this.decodedFrom.set(s, d);
    return s;
  }

  local(code: string): string {
    const name = `t${this.#temps++}`;
    this.body.push(`const ${name} = ${code};`);
    return name;
  }
}

/** `a && b` on validity texts, folding the constants. */
function both(a: string, b: string): string {
  if (a === 'false' || b === 'false') return 'false';
  if (a === 'true') return b;
  if (b === 'true') return a;
  return `(${a} && ${b})`;
}

const COMPARE_SYMBOL: Record<CompareOp, string> = { eq: '===', ne: '!==', lt: '<', le: '<=', gt: '>', ge: '>=' };

function readColumn(g: Gen, c: FrameColumn): Val {
  const seen = g.reads.get(c);
  if (seen) return seen;
  let val: Val;
  if (c.dtype === 'string') {
    const v = g.local(`${g.bind(c.codes)}[i]`);
    val = { v, ok: `(${v} >= 0)`, dict: g.strings(c.dict) };
  } else {
    const v = g.local(`${g.bind(c.values)}[i]`);
    val = { v, ok: c.valid === null ? 'true' : g.local(`${g.bind(c.valid)}[i] !== 0`) };
  }
  g.reads.set(c, val);
  return val;
}

function column(g: Gen, name: string, dtype: string): FrameColumn {
  const j = g.chunk.names.indexOf(name);
  if (j < 0) {
    throw new InvalidArgumentError(`the expression reads column ${show(name)}, which this chunk does not have; its columns are ${show(g.chunk.names)}.`);
  }
  const c = g.chunk.columns[j]!;
  if (c.dtype !== dtype) {
    throw new DTypeError(`the expression reads column ${show(name)} as ${dtype}, but the chunk's column is ${c.dtype}; build the expression from this frame's columns.`);
  }
  return c;
}

function emitLiteral(g: Gen, e: Extract<FrameExpr, { t: 'lit' }>): Val {
  if (e.v === null) return e.dtype === 'string' ? { v: '-1', ok: 'false', dict: [] } : NULL_VAL;
  if (typeof e.v === 'string') return { v: '0', ok: 'true', dict: [e.v] };
  if (typeof e.v === 'boolean') return { v: e.v ? '1' : '0', ok: 'true' };
  // An int32 has no -0 (storing one gives 0): int32 values inside the loop are kept that way too.
  return { v: g.bind(e.dtype === 'int32' ? e.v + 0 : e.v), ok: 'true' };
}

function emitArith(g: Gen, e: Extract<FrameExpr, { t: 'bin' }>, a: Val, b: Val): Val {
  const ok = both(a.ok, b.ok);
  if (e.dtype === 'int32') {
    // Both int32: a zero divisor, or a quotient outside int32, is null.
    // `| 0` also turns the -0 that floor or % can give into 0.
    if (e.op === 'mod') return { v: g.local(`${b.v} !== 0 ? H.modi(${a.v}, ${b.v}) | 0 : 0`), ok: g.local(`${both(ok, `${b.v} !== 0`)}`) };
    const q = g.local(`Math.floor(${a.v} / ${b.v})`);
    return { v: g.local(`${q} | 0`), ok: g.local(both(ok, `(${q} | 0) === ${q}`)) };
  }
  const code: Record<string, string> = {
    add: `${a.v} + ${b.v}`, sub: `${a.v} - ${b.v}`, mul: `${a.v} * ${b.v}`, div: `${a.v} / ${b.v}`,
    pow: `Math.pow(${a.v}, ${b.v})`, floordiv: `H.fdivf(${a.v}, ${b.v})`, mod: `H.modf(${a.v}, ${b.v})`,
  };
  return { v: g.local(code[e.op]!), ok };
}

function emitStringCompare(g: Gen, op: CompareOp, ea: FrameExpr, eb: FrameExpr, a: Val, b: Val): Val {
  if (a.ok === 'false' || b.ok === 'false') return NULL_VAL;
  // Against a literal: one table over the column's dictionary.
  const lit = eb.t === 'lit' ? { col: a, text: eb.v as string, op } : ea.t === 'lit' ? { col: b, text: ea.v as string, op: flipCompare(op) } : null;
  if (lit) {
    const table = boolTable(lit.col.dict!, (s) => compareHolds(lit.op, compareStrings(s, lit.text)));
    return { v: g.local(`${g.bind(table)}[${lit.col.v} + 1]`), ok: lit.col.ok };
  }
  const ok = g.local(both(a.ok, b.ok));
  const x = `${g.bind(a.dict)}[${a.v}]`;
  const y = `${g.bind(b.dict)}[${b.v}]`;
  const test = op === 'eq' || op === 'ne' ? `${x} ${COMPARE_SYMBOL[op]} ${y}` : `H.cmp(${x}, ${y}) ${COMPARE_SYMBOL[op]} 0`;
  return { v: g.local(`${ok} && ${test} ? 1 : 0`), ok };
}

function emitBinary(g: Gen, e: Extract<FrameExpr, { t: 'bin' }>): Val {
  const a = emit(g, e.a);
  const b = emit(g, e.b);
  if ((COMPARE_OPS as readonly string[]).includes(e.op)) {
    const op = e.op as CompareOp;
    if (e.a.dtype === 'string') return emitStringCompare(g, op, e.a, e.b, a, b);
    return { v: g.local(`${a.v} ${COMPARE_SYMBOL[op]} ${b.v} ? 1 : 0`), ok: both(a.ok, b.ok) };
  }
  if (e.op === 'and' || e.op === 'or') {
    // Kleene: a known false decides `and`, a known true decides `or`; otherwise a null side gives null.
    const decisive = e.op === 'and' ? '=== 0' : '!== 0';
    const decided = g.local(`(${a.ok} && ${a.v} ${decisive}) || (${b.ok} && ${b.v} ${decisive})`);
    const ok = a.ok === 'true' && b.ok === 'true' ? 'true' : g.local(`${decided} || ${both(a.ok, b.ok)}`);
    return { v: e.op === 'and' ? `(${decided} ? 0 : 1)` : `(${decided} ? 1 : 0)`, ok };
  }
  return emitArith(g, e, a, b);
}

function emitUnary(g: Gen, e: Extract<FrameExpr, { t: 'un' }>): Val {
  const a = emit(g, e.a);
  switch (e.op) {
    case 'isNull':
      return { v: `(${a.ok} ? 0 : 1)`, ok: 'true' };
    case 'notNull':
      return { v: `(${a.ok} ? 1 : 0)`, ok: 'true' };
    case 'not':
      return { v: `(${a.v} === 0 ? 1 : 0)`, ok: a.ok };
    case 'neg':
      return { v: g.local(`-${a.v}`), ok: a.ok };
    case 'round':
      return { v: g.local(`H.rint(${a.v})`), ok: a.ok };
    default:
      return { v: g.local(`Math.${e.op}(${a.v})`), ok: a.ok };
  }
}

function emitString(g: Gen, e: Extract<FrameExpr, { t: 'str' }>): Val {
  const a = emit(g, e.a);
  const dict = a.dict!;
  const arg = e.arg ?? '';
  switch (e.op) {
    case 'startsWith':
      return { v: g.local(`${g.bind(boolTable(dict, (s) => s.startsWith(arg)))}[${a.v} + 1]`), ok: a.ok };
    case 'endsWith':
      return { v: g.local(`${g.bind(boolTable(dict, (s) => s.endsWith(arg)))}[${a.v} + 1]`), ok: a.ok };
    case 'contains':
      return { v: g.local(`${g.bind(boolTable(dict, (s) => s.includes(arg)))}[${a.v} + 1]`), ok: a.ok };
    case 'len':
      return { v: g.local(`${g.bind(intTable(dict, codePointLength))}[${a.v} + 1]`), ok: a.ok };
    case 'lower':
    case 'upper': {
      const m = remapDict(dict, e.op === 'lower' ? (s) => s.toLowerCase() : (s) => s.toUpperCase());
      const v = g.local(`${g.bind(m.remap)}[${a.v} + 1]`);
      return { v, ok: `(${v} >= 0)`, dict: m.dict };
    }
  }
}

function emitIsin(g: Gen, e: Extract<FrameExpr, { t: 'isin' }>): Val {
  const a = emit(g, e.a);
  const hasNull = e.values.includes(null);
  if (e.a.dtype === 'string') {
    const wanted = new Set(e.values);
    return { v: g.local(`${g.bind(boolTable(a.dict!, (s) => wanted.has(s), hasNull))}[${a.v} + 1]`), ok: 'true' };
  }
  const set = new Set(e.values.filter((x) => x !== null).map((x) => (typeof x === 'boolean' ? Number(x) : x)));
  return { v: g.local(`${a.ok} ? (${g.bind(set)}.has(${a.v}) ? 1 : 0) : ${hasNull ? 1 : 0}`), ok: 'true' };
}

function emitFill(g: Gen, e: Extract<FrameExpr, { t: 'fill' }>): Val {
  const a = emit(g, e.a);
  if (e.v === null) return a;
  if (typeof e.v === 'string') {
    const at = a.dict!.indexOf(e.v);
    const dict = at >= 0 ? a.dict! : [...a.dict!, e.v];
    return { v: g.local(`${a.ok} ? ${a.v} : ${at >= 0 ? at : a.dict!.length}`), ok: 'true', dict };
  }
  const fill = typeof e.v === 'boolean' ? (e.v ? '1' : '0') : g.bind(e.dtype === 'int32' ? e.v + 0 : e.v);
  return { v: g.local(`${a.ok} ? ${a.v} : ${fill}`), ok: 'true' };
}

/** Number column → string column, one dictionary entry per distinct value's text. */
function numbersToStrings(c: FrameColumn): StringColumn {
  if (c.dtype === 'string') return c;
  const n = c.values.length;
  const codes = allocInt32(n);
  const dict: string[] = [];
  const codeOf = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (c.valid !== null && c.valid[i] === 0) {
      codes[i] = -1;
      continue;
    }
    const x = c.values[i]!;
    let code = codeOf.get(x);
    if (code === undefined) {
      code = dict.length;
      // Map keys are SameValueZero: 0 and -0 share one entry, whose text '0' is right for both.
      dict.push(c.dtype === 'bool' ? (x !== 0 ? 'true' : 'false') : String(x));
      codeOf.set(x, code);
    }
    codes[i] = code;
  }
  return { dtype: 'string', codes, dict: utf8DictOf(dict) };
}

function emitCast(g: Gen, e: Extract<FrameExpr, { t: 'cast' }>): Val {
  if (e.dtype === 'string') {
    if (e.a.dtype === 'bool') {
      const a = emit(g, e.a);
      const v = g.local(`${a.ok} ? ${a.v} : -1`);
      return { v, ok: `(${v} >= 0)`, dict: ['false', 'true'] };
    }
    return readColumn(g, numbersToStrings(evaluateExpr(e.a, g.chunk)));
  }
  const a = emit(g, e.a);
  if (e.dtype === 'bool') return { v: g.local(`${a.v} !== 0 ? 1 : 0`), ok: a.ok };
  if (e.dtype === 'float64' || e.a.dtype === 'bool') return a;
  const t = g.local(`Math.trunc(${a.v})`);
  return { v: g.local(`${t} | 0`), ok: g.local(both(a.ok, `(${t} | 0) === ${t}`)) };
}

function emit(g: Gen, e: FrameExpr): Val {
  switch (e.t) {
    case 'col':
      return readColumn(g, column(g, e.name, e.dtype));
    case 'lit':
      return emitLiteral(g, e);
    case 'bin':
      return emitBinary(g, e);
    case 'un':
      return emitUnary(g, e);
    case 'str':
      return emitString(g, e);
    case 'isin':
      return emitIsin(g, e);
    case 'fill':
      return emitFill(g, e);
    case 'cast':
      return emitCast(g, e);
    default:
      throw new InvalidArgumentError(`not a Series expression node: ${show(e)}.`);
  }
}

/** Runs rows [lo, n). */
type Loop = (n: number, B: readonly unknown[], h: typeof H, out: unknown, vd: Uint8Array | null, idx: Int32Array | null, lo: number) => number;

/** Compiled loops by source text; bounded so a stream of distinct expressions cannot grow it forever. */
const loops = new BoundedCache<string, Loop>(512);

function compile(head: readonly string[], body: readonly string[], tail: string): Loop {
  const src = `"use strict";\nreturn function loop(n, B, H, out, vd, idx, lo) {\n${head.join('\n')}\nlet k = 0;\nfor (let i = lo; i < n; i++) {\n${body.join('\n')}\n${tail}\n}\nreturn k;\n};`;
  let fn = loops.get(src);
  if (!fn) {
    fn = new Function(src)() as Loop;
    loops.set(src, fn);
  }
  return fn;
}

/** Number of distinct compiled loops held (for tests of the cache). */
export function compiledLoopCount(): number {
  return loops.size;
}

/** The expression's value on every row of `chunk`, as a column of the expression's dtype. */
export function evaluateExpr(e: FrameExpr, chunk: FrameChunk): FrameColumn {
  const g = new Gen(chunk);
  // A bare column is the column itself: chunks are immutable, so sharing it is safe and free.
  if (e.t === 'col') return column(g, e.name, e.dtype);
  const r = emit(g, e);
  const n = chunk.rows;
  const nullable = r.ok !== 'true';
  const vd = nullable ? allocBytes(n) : null;
  const validTail = nullable ? `vd[i] = ${r.ok} ? 1 : 0;` : '';
  if (e.dtype === 'string') {
    const codes = allocInt32(n);
    compile(g.head, g.body, `out[i] = ${r.ok} ? ${r.v} : -1;`)(n, g.binds, H, codes, null, null, 0);
    return { dtype: 'string', codes, dict: r.dict ? (g.decodedFrom.get(r.dict) ?? utf8DictOf(r.dict)) : EMPTY_DICT };
  }
  const out = e.dtype === 'float64' ? allocFloat64(n) : e.dtype === 'int32' ? allocInt32(n) : allocBytes(n);
  const write = nullable ? `out[i] = ${r.ok} ? ${r.v} : 0;` : `out[i] = ${r.v};`;
  compile(g.head, g.body, `${write}\n${validTail}`)(n, g.binds, H, out, vd, null, 0);
  const valid = vd !== null && vd.indexOf(0) >= 0 ? vd : null;
  return { dtype: e.dtype, values: out, valid } as FrameColumn;
}

/** The terms of a chain of `and`s (the expression itself when it is not one). */
function conjuncts(e: FrameExpr, out: FrameExpr[] = []): FrameExpr[] {
  if (e.t === 'bin' && e.op === 'and') {
    conjuncts(e.a, out);
    conjuncts(e.b, out);
  } else out.push(e);
  return out;
}

function nodeCount(e: FrameExpr): number {
  if (e.t === 'col' || e.t === 'lit') return 1;
  return 1 + nodeCount(e.a) + (e.t === 'bin' ? nodeCount(e.b) : 0);
}

/** A compiled mask: writes the rows in [lo, hi) where it is true into `idx` (from 0), returns how many. */
export type MaskLoop = (lo: number, hi: number, idx: Int32Array) => number;

/**
 * Compiles a bool expression as a row selector (null and false drop a row); the mask is never stored.
 * A row is kept when every term of a top-level `and` chain is true (Kleene `and` is true exactly
 * then), so the loop tests the terms one by one, smallest first, and skips the rest of the row at the
 * first that is not true — a selective string equality then saves the arithmetic of the other terms.
 */
export function compileMask(mask: FrameExpr, chunk: FrameChunk): MaskLoop {
  if (mask.dtype !== 'bool') throw new DTypeError(`a filter mask must be bool, got ${mask.dtype} (${describeExpr(mask)}).`);
  const g = new Gen(chunk);
  const terms = conjuncts(mask).map((e, k) => ({ e, k, size: nodeCount(e) }));
  terms.sort((x, y) => x.size - y.size || x.k - y.k);
  for (const { e } of terms) {
    const r = emit(g, e);
    g.body.push(r.ok === 'true' ? `if (${r.v} === 0) continue;` : `if (!(${r.ok}) || ${r.v} === 0) continue;`);
  }
  const loop = compile(g.head, g.body, 'idx[k++] = i;');
  const binds = g.binds;
  return (lo, hi, idx) => loop(hi, binds, H, null, null, idx, lo);
}
