/**
 * Checking what a caller passes to a public function, at the line that calls it: handles of the right
 * class, and options that are objects. Every failure is a typed error naming the call, the argument,
 * what is expected and what was given.
 */
import { InvalidArgumentError } from './errors.js';

/** A value as an error message shows it: its type, and a short text of it. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  switch (typeof v) {
    case 'string':
      return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case 'number':
    case 'boolean':
      return `the ${typeof v} ${String(v)}`;
    case 'bigint':
      return `the bigint ${v}n`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      if (Array.isArray(v)) return `an array of ${v.length}`;
      if (isPlainObject(v)) return 'an object';
      return `a ${(v as object).constructor?.name ?? 'object'}`;
  }
}

export function isPlainObject(v: unknown): v is Readonly<Record<string, unknown>> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `value` as an options object (undefined is `{}`); anything but a plain object is an error naming `where`. */
export function optionsObject(value: unknown, where: string, example: string): Readonly<Record<string, unknown>> {
  if (value === undefined) return {};
  if (isPlainObject(value)) return value;
  throw new InvalidArgumentError(`${where}: options must be an object such as ${example}; got ${describeValue(value)}.`);
}

/** `value` if it is an instance of `cls`, else an error naming the argument and where such a value comes from. */
export function checkInstance<T>(value: unknown, cls: abstract new (...args: never[]) => T, where: string, arg: string, from: string): T {
  if (value instanceof cls) return value;
  throw new InvalidArgumentError(`${where}: ${arg} must be a ${cls.name} (${from}); got ${describeValue(value)}.`);
}
