/**
 * User functions arrive in a worker as source text and are rebuilt here, once per thread and source.
 * The session refused impure functions at build time; evaluating the text in a fresh strict scope
 * means a function that somehow still names an outer variable fails loudly instead of reading a
 * different value.
 */
import { BoundedCache } from '../../base/boundedCache.js';
import { UserFunctionError } from '../../base/errors.js';
import { show } from '../../base/show.js';

const compiled = new BoundedCache<string, (...args: number[]) => number>(512);

export function compileUserFunction(source: string): (...args: number[]) => number {
  let fn = compiled.get(source);
  if (!fn) {
    // `__name` is esbuild's keepNames helper (tsx), which a function's printed source may call.
    fn = new Function(`"use strict"; const __name = (f) => f; return (${source});`)() as (...args: number[]) => number;
    if (typeof fn !== 'function') throw new TypeError(`User function source did not evaluate to a function: ${source}`);
    compiled.set(source, fn);
  }
  return fn;
}

export function compileUserFunctions(sources: readonly string[] | undefined): ((x: number) => number)[] {
  return (sources ?? []).map(compileUserFunction);
}

/**
 * What a user function returned when it was not a number: a boolean counts as 1 or 0 (as NumPy's do);
 * anything else would be stored as NaN (or throw a bare TypeError, for a bigint) without a word, so it
 * fails the task with an error naming the function and the value.
 */
export function nonNumericResult(use: 'map' | 'reduce', source: string, value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new UserFunctionError(
    `the function given to ${use}, ${source.length > 120 ? `${source.slice(0, 117)}...` : source}, returned ` +
      `${describeValue(value)}: it must return a number (or a boolean) for every ${use === 'map' ? 'element' : 'pair'}.`,
  );
}

/** A printable account of a value a user function returned: `"abc" (a string)`, `undefined`, `{} (an object)`. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null || typeof value === 'function') return show(value);
  const kind = Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  return `${show(value)} (${kind})`;
}
