/**
 * User functions arrive in a worker as source text and are rebuilt here, once per thread and source.
 * The session refused impure functions at build time; evaluating the text in a fresh strict scope
 * means a function that somehow still names an outer variable fails loudly instead of reading a
 * different value.
 */
import { BoundedCache } from '../../base/boundedCache.js';

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
