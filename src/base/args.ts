/**
 * Checking what a caller passes to a public function, at the line that calls it: handles of the right
 * class, and options objects with known keys only, each value of the right type and range. Nothing is
 * coerced — `'20'` is not a number here, though GraphScope's `int()` would take it — because a string
 * where a number belongs is usually a bug upstream (a form field, an unparsed argument), and guessing
 * hides it. Every failure is a typed error naming the call, the argument or key, what is expected and
 * what was given.
 */
import { InvalidArgumentError, UnknownOptionError } from './errors.js';
import { show } from './show.js';

/** A check of one present value: undefined when it is acceptable, else what was expected (`'a positive integer'`). */
export interface Check {
  (value: unknown): string | undefined;
  /** A required key must be present (not undefined). */
  readonly required?: boolean;
}

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

/** The checks options objects use. */
export const is = {
  integerFrom(min: number): Check {
    const want = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    return (v) => (Number.isSafeInteger(v) && (v as number) >= min ? undefined : want);
  },
  /** A finite number in [lo, hi]. */
  numberIn(lo: number, hi: number): Check {
    return (v) => (typeof v === 'number' && v >= lo && v <= hi ? undefined : `a number in [${lo}, ${hi}]`);
  },
  positiveNumber: ((v) => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? undefined : 'a positive finite number')) as Check,
  boolean: ((v) => (typeof v === 'boolean' ? undefined : 'true or false')) as Check,
  nonEmptyString: ((v) => (typeof v === 'string' && v !== '' ? undefined : 'a non-empty string')) as Check,
  oneOf(...values: readonly string[]): Check {
    const want = `one of ${values.map((x) => `'${x}'`).join(', ')}`;
    return (v) => (typeof v === 'string' && values.includes(v) ? undefined : want);
  },
  stringList: ((v) => (Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '') ? undefined : 'an array of non-empty strings')) as Check,
  /** Anything: the value is checked where it is used (a data source, a session). */
  anything: (() => undefined) as Check,
  required(check: Check): Check {
    return Object.assign((v: unknown) => check(v), { required: true });
  },
  /** Either check passes; the expectation names both. */
  either(a: Check, b: Check): Check {
    return (v) => {
      const wa = a(v);
      const wb = wa === undefined ? undefined : b(v);
      return wa === undefined || wb === undefined ? undefined : `${wa} or ${wb}`;
    };
  },
} as const;

/**
 * `value` as an options object checked against `spec` (key → check): undefined is `{}`; anything but a
 * plain object, an unknown key, a missing required key or a bad value is an error naming `where` (the
 * call) and `name` (the argument, or a nested object such as `vertexRange`).
 */
export function checkOptions<T extends object>(value: T | undefined, where: string, spec: NoInfer<{ readonly [K in keyof T]-?: Check }>, name = 'options'): T {
  const known = Object.keys(spec);
  const prefix = name === 'options' ? '' : `${name}.`;
  const given: unknown = value === undefined ? {} : value;
  if (!isPlainObject(given)) {
    throw new InvalidArgumentError(`${where}: ${name} must be an object with keys among ${known.join(', ')}; got ${describeValue(given)}.`);
  }
  const unknown = Object.keys(given).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new UnknownOptionError(unknown.map((k) => prefix + k), where, known.map((k) => prefix + k));
  for (const key of known) {
    const check = (spec as Record<string, Check>)[key]!;
    const v = given[key];
    if (v === undefined) {
      if (check.required) throw new InvalidArgumentError(`${where}: ${prefix}${key} is required.`);
      continue;
    }
    const want = check(v);
    if (want !== undefined) throw new InvalidArgumentError(`${where}: ${prefix}${key} must be ${want}; got ${describeValue(v)}.`);
  }
  return given as T;
}

/** `value` if it is an instance of `cls`, else an error naming the argument and where such a value comes from. */
export function checkInstance<T>(value: unknown, cls: abstract new (...args: never[]) => T, where: string, arg: string, from: string): T {
  if (value instanceof cls) return value;
  throw new InvalidArgumentError(`${where}: ${arg} must be a ${cls.name} (${from}); got ${describeValue(value)}.`);
}

/**
 * An options argument checked only for its keys (each value is checked where it is used): `undefined`
 * is no options; anything but a plain object is refused, and so is a key outside `known` (a misspelt
 * option would otherwise be ignored without a word).
 */
export function optionsObject<T extends object>(value: T | undefined, where: string, known: readonly string[]): T {
  if (value === undefined) return {} as T;
  if (!isPlainObject(value)) throw new InvalidArgumentError(`${where} takes an options object, got ${show(value)}.`);
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new UnknownOptionError(unknown, `the options of ${where}`, known);
  return value;
}

/** A boolean option: its default when absent; anything but true or false is refused. */
export function booleanOption(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`${name} must be true or false, got ${show(value)}.`);
  return value;
}
