/**
 * A module's result made fit to leave its process: an `NdArray` (what `fetch` gives) becomes its plain
 * `{dtype, shape, data}`; typed arrays, ArrayBuffers, plain objects and arrays, Maps, Sets, Dates and
 * primitives pass as they are (the IPC channel's structured clone copies them, shared memory included).
 * Anything else — a function, a symbol, a promise, an instance of some class — is refused with the path
 * to it, because a clone would silently drop its methods or fail deep inside the channel.
 */
import { NdArray } from '../../base/ndarray.js';
import { HeadlessError } from './errors.js';

const PASS_THROUGH = [Date, RegExp, ArrayBuffer, SharedArrayBuffer] as const;

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (value instanceof Promise) return 'a promise (await it before returning)';
  const name = (value as object).constructor?.name;
  return name ? `an instance of ${name}` : 'an object of no known kind';
}

export function cloneableResult(value: unknown): unknown {
  const seen = new Map<object, unknown>();
  const walk = (v: unknown, path: string): unknown => {
    if (v === null || v === undefined) return v;
    const t = typeof v;
    if (t === 'number' || t === 'string' || t === 'boolean' || t === 'bigint') return v;
    if (t === 'function' || t === 'symbol') return refuse(v, path);
    const o = v as object;
    if (seen.has(o)) return seen.get(o);
    if (o instanceof NdArray) {
      const plain = { dtype: o.dtype, shape: [...o.shape], data: o.data };
      seen.set(o, plain);
      return plain;
    }
    if (ArrayBuffer.isView(o) || PASS_THROUGH.some((C) => o instanceof C)) return o;
    if (Array.isArray(o)) {
      const out: unknown[] = [];
      seen.set(o, out);
      o.forEach((item, i) => out.push(walk(item, `${path}[${i}]`)));
      return out;
    }
    if (o instanceof Map) {
      const out = new Map<unknown, unknown>();
      seen.set(o, out);
      for (const [k, item] of o) out.set(walk(k, `${path} key`), walk(item, `${path}.get(${String(k)})`));
      return out;
    }
    if (o instanceof Set) {
      const out = new Set<unknown>();
      seen.set(o, out);
      for (const item of o) out.add(walk(item, `${path} item`));
      return out;
    }
    const proto = Object.getPrototypeOf(o) as object | null;
    if (proto !== Object.prototype && proto !== null) return refuse(o, path);
    const out: Record<string, unknown> = {};
    seen.set(o, out);
    for (const [k, item] of Object.entries(o)) out[k] = walk(item, `${path}.${k}`);
    return out;
  };
  return walk(value, 'result');
}

function refuse(value: unknown, path: string): never {
  throw new HeadlessError(
    'ResultNotCloneable',
    `The module's ${path} is ${describe(value)}, which cannot leave the module's process. Return plain data: ` +
      `numbers, strings, booleans, arrays and plain objects of them, typed arrays, or fetched arrays (NdArray).`,
  );
}
