/**
 * Keeping alive the hidden classes of the argument objects that hot kernels read, so their optimized
 * code survives between runs.
 *
 * Why: V8 compiles a kernel's loops for the hidden class ("map") of the object it reads its arrays
 * from, and holds that map only weakly. A map lives as long as some object has it; once a search's
 * argument objects die — its graph dropped, a session closed — the next major collection frees the map
 * and throws away every piece of code built on it ("marking dependent code for deoptimization, reason:
 * weak objects" in `--trace-deopt`). The next graph's first search then runs its steps unoptimized
 * until V8 compiles them again: R-MAT s16 with string ids loaded afresh ten times (a fresh session
 * each, through the public API), the first BFS's frontier steps on the calling thread took 6.5-12.4 ms
 * (medians of three alternated rounds; the slowest load 18-20) without keepers and 6.4-6.6 (slowest
 * 7.6-11.9) with them, and `--trace-deopt` showed no more such deopts of the BFS steps.
 *
 * How: per kind of argument object (a step's name and its fields), an object with the same fields in
 * the same order, made by an object literal of its own — a literal's map comes from the number of its
 * fields and then their names, so two literals alike share one, where a copy by spread or
 * `Object.assign` starts from another map — holding the same numbers, strings and booleans, and empty
 * typed arrays of the same classes in place of the arrays: a kept object holds no data of any graph
 * (and the fields' types, which code also depends on, stay what they were). Objects holding anything
 * else are not kept: a field's other objects could hold data alive. The copy is renewed now and then,
 * so a map V8 has since replaced (a field widened from small integers to doubles) is not the one kept.
 */

/** Calls between renewals of a kind's kept copy. */
const RENEW_EVERY = 64;
/** The most kinds kept (a bound, far above the steps there are). */
const MAX_KINDS = 256;

interface Kept {
  copy: object | undefined;
  calls: number;
}

const kept = new Map<string, Kept>();

/** An empty typed array of `view`'s class (its map, for the field's type), or undefined for a DataView. */
function emptyLike(view: ArrayBufferView): ArrayBufferView | undefined {
  if (view instanceof DataView) return undefined;
  const Ctor = view.constructor as new (length: number) => ArrayBufferView;
  return new Ctor(0);
}

type Literal = (...values: unknown[]) => object;

/** Per list of field names, a function returning an object literal of those fields. */
const literals = new Map<string, Literal>();

function literalOf(names: string): Literal {
  let make = literals.get(names);
  if (!make) {
    const keys = names.split(',');
    // The one way to have a literal of given fields at run time; the names are quoted, never evaluated.
    make = new Function(...keys.map((_, i) => `v${i}`), `return { ${keys.map((k, i) => `${JSON.stringify(k)}: v${i}`).join(', ')} };`) as Literal;
    literals.set(names, make);
  }
  return make;
}

/** An object like `args` (same fields, same map) holding no data, or undefined when it holds other objects. */
function emptied(keys: readonly string[], args: Record<string, unknown>): object | undefined {
  const values: unknown[] = [];
  for (const key of keys) {
    const value = args[key];
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return undefined;
      values.push(value);
      continue;
    }
    if (!ArrayBuffer.isView(value)) return undefined;
    const empty = emptyLike(value);
    if (!empty) return undefined;
    values.push(empty);
  }
  return literalOf(keys.join(','))(...values);
}

/** Notes that a kernel of `kind` is about to read `args` (a plain object): its map is kept alive. */
export function keepShape(kind: string, args: object): void {
  const keys = Object.keys(args);
  const key = `${kind}:${keys.join(',')}`;
  let entry = kept.get(key);
  if (!entry) {
    if (kept.size >= MAX_KINDS) return;
    kept.set(key, (entry = { copy: undefined, calls: 0 }));
  }
  if (entry.calls++ % RENEW_EVERY === 0) entry.copy = emptied(keys, args as Record<string, unknown>);
}

/** The object kept for `kind` with these fields (tests). */
export function keptCopy(kind: string, fields: readonly string[]): object | undefined {
  return kept.get(`${kind}:${fields.join(',')}`)?.copy;
}
