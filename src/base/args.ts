/**
 * Checking arguments where they enter the API, so a wrong type is a typed error naming the argument
 * instead of a `TypeError` from deep inside (`Cannot read properties of null (reading 'dtype')`).
 */
import { InvalidArgumentError, UnknownOptionError } from './errors.js';
import { show } from './show.js';

/**
 * An options argument: `undefined` is no options; anything but a plain object is refused, and so is a
 * key outside `known` (a misspelt option would otherwise be ignored without a word).
 */
export function optionsObject<T extends object>(value: T | undefined, where: string, known: readonly string[]): T {
  if (value === undefined) return {} as T;
  const proto = typeof value === 'object' && value !== null ? (Object.getPrototypeOf(value) as unknown) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw new InvalidArgumentError(`${where} takes an options object, got ${show(value)}.`);
  }
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
